import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { handleError } from "../../src/http/errors";
import { createRouter } from "../../src/http/router";
import { apiKeyAuth } from "../../src/middleware/api-key-auth";
import { init } from "../../src/middleware/init";
import { createKey, signedInOwner } from "../support/api-keys";

/** A tiny app with routes that demand what the gateway's routes will: permissions, a mode, a kind. */
function protectedApp() {
  const app = createRouter();
  app.use("*", init);
  app.get("/sms", apiKeyAuth({ permissions: ["sms"] }), (c) => c.json({ tenant: c.var.principal.tenantId }));
  app.get("/bulk-email", apiKeyAuth({ permissions: ["bulk", "email"] }), (c) => c.json({ ok: true }));
  app.get("/live-only", apiKeyAuth({ modes: ["live"] }), (c) => c.json({ ok: true }));
  app.get("/servers-only", apiKeyAuth({ kinds: ["secret"] }), (c) => c.json({ ok: true }));
  app.onError(handleError);
  return app;
}

async function get(path: string, key: string) {
  const ctx = createExecutionContext();
  const res = await protectedApp().fetch(
    new Request(`https://gatehouse.test${path}`, { headers: { "X-Ping-Api-Key": key } }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe("apiKeyAuth requirements", () => {
  it("a key with the permission passes and the route sees its tenant", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { permissions: ["sms"] });
    const res = await get("/sms", key);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tenant: owner.businessPublicId });
  });

  it("a key without the permission is a 403 insufficient_permission", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { permissions: ["email"] });
    const res = await get("/sms", key);
    expect(res.status).toBe(403);
    expect(res.headers.get("WWW-Authenticate")).toBe('ApiKey realm="gatehouse", error="insufficient_scope"');
    expect(await res.json()).toMatchObject({ error: "insufficient_permission", reason: "missing_permission" });
  });

  it("every required permission is needed, not just one", async () => {
    const owner = await signedInOwner();
    const partial = await createKey(owner, { permissions: ["bulk"] });
    const full = await createKey(owner, { permissions: ["bulk", "email", "sms"] });
    expect((await get("/bulk-email", partial.key)).status).toBe(403);
    expect((await get("/bulk-email", full.key)).status).toBe(200);
  });

  it("a publishable key carries no permissions, so it never passes a permission check", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { kind: "publishable", permissions: [], mode: "live" });
    expect((await get("/sms", key)).status).toBe(403);
    expect((await get("/servers-only", key)).status).toBe(403);
    expect((await get("/live-only", key)).status).toBe(200);
  });

  it("a test key is refused by a live-only route with mode_not_allowed", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { mode: "test" });
    const res = await get("/live-only", key);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ reason: "mode_not_allowed" });
  });
});
