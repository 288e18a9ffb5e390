import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ApiKeyRequirements } from "../../src/domain";
import { handleError } from "../../src/http/errors";
import { createRouter } from "../../src/http/router";
import { authenticate } from "../../src/middleware/authenticate";
import { init } from "../../src/middleware/init";
import { createKey, signedInOwner } from "../support/api-keys";

const requiring = (apiKey: ApiKeyRequirements) => authenticate({ accept: ["api_key"], apiKey });

/** A tiny app with routes that demand what the gateway's routes do: permissions, live keys, a kind. */
function protectedApp() {
  const app = createRouter();
  app.use("*", init);
  app.get("/sms", requiring({ permissions: ["sms"] }), (c) => c.json({ tenant: c.get("principal").tenantId }));
  app.get("/bulk-email", requiring({ permissions: ["bulk", "email"] }), (c) => c.json({ ok: true }));
  app.get("/live-only", requiring({ liveOnly: true }), (c) => c.json({ ok: true }));
  app.get("/servers-only", requiring({ kinds: ["secret"] }), (c) => c.json({ ok: true }));
  app.get("/people", authenticate({ accept: ["bearer", "session"] }), (c) => c.json({ ok: true }));
  app.get("/maybe", authenticate({ accept: ["bearer"], optional: true }), (c) =>
    c.json({ principal: c.get("principal") ?? null }),
  );
  app.onError(handleError);
  return app;
}

async function get(path: string, key: string) {
  return getWith(path, { "X-Ping-Api-Key": key });
}

async function getWith(path: string, headers: Record<string, string>) {
  const ctx = createExecutionContext();
  const res = await protectedApp().fetch(new Request(`https://gatehouse.test${path}`, { headers }), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("authenticate: what an API key must carry", () => {
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

  it("a publishable key passes by its permissions like a secret key, except where only secret keys may", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { kind: "publishable", permissions: ["sms"], mode: "live" });
    expect((await get("/sms", key)).status).toBe(200);
    expect((await get("/live-only", key)).status).toBe(200);
    const serversOnly = await get("/servers-only", key);
    expect(serversOnly.status).toBe(403);
    expect(await serversOnly.json()).toMatchObject({ reason: "kind_not_allowed" });
  });

  it("a publishable key with no permission at all passes nothing, not even a route that requires none", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { kind: "publishable", permissions: [], mode: "live" });
    for (const path of ["/sms", "/live-only"]) {
      const res = await get(path, key);
      expect(res.status, path).toBe(403);
      expect(await res.json()).toMatchObject({ reason: "missing_permission" });
    }
    const secret = await createKey(owner, { kind: "secret", permissions: [], mode: "live" });
    expect((await get("/live-only", secret.key)).status).toBe(200);
  });

  it("a test key is refused by a live-only route with test_key_not_allowed", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { mode: "test" });
    const res = await get("/live-only", key);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ reason: "test_key_not_allowed" });
  });
});

describe("authenticate: which credential counts", () => {
  it("a key where only people are accepted is a 401 challenging for the first accepted kind", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { permissions: ["sms"] });
    const res = await get("/people", key);
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="gatehouse"');
    expect(await res.json()).toMatchObject({ error: "missing_credentials", reason: "credential_not_accepted" });
  });

  it("nothing at all is a 401 without a reason", async () => {
    const res = await getWith("/people", {});
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "missing_credentials", message: "Authentication is required." });
  });

  it("the strongest credential decides: a bad bearer token is refused even beside a good key", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { permissions: ["sms"] });
    const res = await getWith("/sms", { Authorization: "Bearer not.a.token", "X-Ping-Api-Key": key });
    expect(res.status).toBe(401);
  });

  it("an optional policy lets a request without its credential through with no principal", async () => {
    const res = await getWith("/maybe", { Cookie: "session_token=whatever" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ principal: null });
    expect((await getWith("/maybe", { Authorization: "Bearer not.a.token" })).status).toBe(401);
  });
});
