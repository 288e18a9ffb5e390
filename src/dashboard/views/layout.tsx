import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { UserPrincipal } from "../../domain";
import { PAGE_SCRIPT, PAGE_STYLE } from "./assets";

export interface PageFrame {
  title: string;
  nonce: string;
  /** Absent on the sign-in and error pages of a signed-out visitor. */
  principal?: UserPrincipal;
  formToken?: string;
}

function Navigation({ principal, formToken }: { principal: UserPrincipal; formToken: string }) {
  return (
    <nav aria-label="Main">
      <ul>
        <li>
          <a href="/dashboard/businesses">Businesses</a>
        </li>
        <li>
          <a href="/dashboard/sessions">Sessions</a>
        </li>
        {principal.userType === "adminuser" ? (
          <>
            <li>
              <a href="/dashboard/admin/businesses">All businesses</a>
            </li>
            <li>
              <a href="/dashboard/admin/users">Users</a>
            </li>
            <li>
              <a href="/dashboard/admin/audit">Audit log</a>
            </li>
          </>
        ) : null}
        <li>
          <form method="post" action="/dashboard/sign-out" class="inline">
            <input type="hidden" name="_csrf" value={formToken} />
            <button type="submit" class="secondary">
              Sign out
            </button>
          </form>
        </li>
      </ul>
    </nav>
  );
}

/** Every page: the frame, the one nonce'd style and script, and the navigation when signed in. */
export function Layout(props: PageFrame & { children: Child }) {
  // Without the doctype a browser renders the page in quirks mode.
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          {/* No icon: without this the browser asks for /favicon.ico and logs its 404. */}
          <link rel="icon" href="data:," />
          <title>{`${props.title} · Gatehouse`}</title>
          <style nonce={props.nonce}>{raw(PAGE_STYLE)}</style>
        </head>
        <body>
          <header>
            <a class="brand" href="/dashboard">
              Gatehouse
            </a>
            {props.principal && props.formToken ? (
              <Navigation principal={props.principal} formToken={props.formToken} />
            ) : null}
          </header>
          <main id="main">
            <h1>{props.title}</h1>
            {props.children}
          </main>
          <script nonce={props.nonce}>{raw(PAGE_SCRIPT)}</script>
        </body>
      </html>
    </>
  );
}
