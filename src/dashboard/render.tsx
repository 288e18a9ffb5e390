import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../http/context";
import type { DashboardEnv } from "./context";
import { Layout } from "./views/layout";

/** A signed-in page: the layout with navigation, the response's nonce, `no-store` (security-headers). */
export function renderPage(c: Context<DashboardEnv>, title: string, body: Child, status: 200 | 400 | 409 = 200) {
  return c.html(
    <Layout
      title={title}
      nonce={c.get("pageNonce") ?? ""}
      principal={c.get("principal")}
      formToken={c.get("formToken")}
    >
      {body}
    </Layout>,
    status,
  );
}

/** A page for someone not (or no longer) signed in. */
export function renderPublicPage(c: Context<AppEnv>, title: string, body: Child, status = 200) {
  return c.html(
    <Layout title={title} nonce={c.get("pageNonce") ?? ""}>
      {body}
    </Layout>,
    status as 200,
  );
}
