import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createIdentityProvider } from "../../src/services/admin/identity-providers";
import { inspectIdentityToken, verifyIdentityToken } from "../../src/services/token-exchange/identity-tokens";
import { openDatabase } from "../../src/storage/db";
import { auditEvents } from "../../src/storage/schema";
import { PRODUCTION_CONFIG, testDeps } from "../support/deps";
import { FakeIdentityProvider } from "../support/identity-provider";
import { createTenant, type TestTenant } from "../support/tenants";
import { type SignedIn, signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";
import { ROCA_RSA_JWK, SOUND_RSA_JWK } from "../support/wycheproof-keys";

let admin: SignedIn;
beforeAll(async () => {
  admin = await signedInUser("adminuser");
});

const providersPath = (tenant: TestTenant) => `/v1/admin/tenants/${tenant.tenantPublicId}/identity-providers`;
const settingsPath = (tenant: TestTenant) => `/v1/admin/tenants/${tenant.tenantPublicId}/settings`;

function inlineProvider(keys: Record<string, unknown>[]) {
  return {
    issuer: `https://idp-${crypto.randomUUID().slice(0, 8)}.example.test`,
    audience: "my-app",
    jwksInline: { keys },
    allowedAlgorithms: ["RS256"],
  };
}

function auditOfTenant(tenant: TestTenant) {
  return openDatabase(env.DB).select().from(auditEvents).where(eq(auditEvents.tenant, tenant.tenantPublicId));
}

async function readSettings(tenant: TestTenant) {
  const res = await send(settingsPath(tenant), { headers: admin.headers });
  return ((await res.json()) as { settings: Record<string, unknown> }).settings;
}

describe("weak identity-provider keys", () => {
  it("refuses Wycheproof's ROCA key inline with a 400 naming the key, and stores nothing", async () => {
    const tenant = await createTenant();
    const res = await sendJson(providersPath(tenant), "POST", inlineProvider([ROCA_RSA_JWK]), admin.headers);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      result: "error",
      message: expect.stringContaining("jwksInline.keys[0] is not a usable public signature key (weak_key)"),
    });
    const list = await send(providersPath(tenant), { headers: admin.headers });
    expect(((await list.json()) as { identityProviders: unknown[] }).identityProviders).toEqual([]);
    expect(await auditOfTenant(tenant)).toEqual([]);
  });

  it("accepts the sound 2048-bit key of the same suite", async () => {
    const tenant = await createTenant();
    const res = await sendJson(providersPath(tenant), "POST", inlineProvider([SOUND_RSA_JWK]), admin.headers);
    expect(res.status).toBe(201);
  });

  it("never trusts a ROCA key fetched from a jwksUrl: it is skipped as if unpublished", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "RS256" });
    // The provider publishes the weak key next to its own; a token names the weak key's kid.
    const own = idp.keys.get(idp.firstKid);
    idp.keys.set(ROCA_RSA_JWK.kid, {
      ...(own as NonNullable<typeof own>),
      kid: ROCA_RSA_JWK.kid,
      publicJwk: ROCA_RSA_JWK,
    });
    idp.publish(ROCA_RSA_JWK.kid);
    const provider = await idp.trustedBy(await createTenant(), { allowedAlgorithms: ["RS256"] });
    const deps = (await testDeps()).at(Date.now());
    const good = await idp.token("fine");
    await expect(verifyIdentityToken(deps, provider, good, inspectIdentityToken(good))).resolves.toBeTruthy();
    const weak = await idp.token("victim", {}, { kid: ROCA_RSA_JWK.kid });
    await expect(verifyIdentityToken(deps, provider, weak, inspectIdentityToken(weak))).rejects.toMatchObject({
      options: { detail: "identity token: unknown_kid" },
    });
  });
});

describe("jwksUrl hosts in production", () => {
  const actor = () =>
    ({ principal: { method: "jwt", userPublicId: admin.publicId, userType: "adminuser", sessionId: "s" } }) as const;

  it("refuses loopback, private, link-local and mapped addresses, however they are spelt", async () => {
    const tenant = await createTenant();
    const deps = (await testDeps(PRODUCTION_CONFIG)).at(Date.now());
    const refused = [
      "https://127.0.0.1/jwks",
      "https://2130706433/jwks",
      "https://0x7f.1/jwks",
      "https://localhost/jwks",
      "https://10.0.0.8/jwks",
      "https://192.168.0.1/jwks",
      "https://172.20.1.1/jwks",
      "https://169.254.169.254/latest/meta-data",
      "https://0.0.0.0/jwks",
      "https://[::1]/jwks",
      "https://[::]/jwks",
      "https://[::ffff:127.0.0.1]/jwks",
      "https://[fd00::1]/jwks",
      "https://[fe80::1]/jwks",
      "http://localhost:9999/jwks",
    ];
    for (const jwksUrl of refused) {
      const input = {
        issuer: `https://idp-${crypto.randomUUID().slice(0, 8)}.example.test`,
        audience: "a",
        jwksUrl,
        allowedAlgorithms: ["RS256" as const],
        claimMapping: { subject: "sub" },
        enabled: true,
      };
      await expect(
        createIdentityProvider(deps, actor(), { id: tenant.tenantId, publicId: tenant.tenantPublicId }, input),
        jwksUrl,
      ).rejects.toMatchObject({ code: "invalid_request" });
    }
    const ok = await createIdentityProvider(
      deps,
      actor(),
      { id: tenant.tenantId, publicId: tenant.tenantPublicId },
      {
        issuer: "https://public.example.test",
        audience: "a",
        jwksUrl: "https://idp.example.com/jwks",
        allowedAlgorithms: ["RS256"],
        claimMapping: { subject: "sub" },
        enabled: true,
      },
    );
    expect(ok.jwksUrl).toBe("https://idp.example.com/jwks");
  });

  it("never fetches a private jwksUrl saved earlier, in production", async () => {
    const idp = await FakeIdentityProvider.create({ alg: "RS256" });
    const provider = await idp.trustedBy(await createTenant(), { jwksUrl: "https://10.0.0.8/jwks.json" });
    const deps = (await testDeps(PRODUCTION_CONFIG)).at(Date.now());
    const token = await idp.token("someone");
    await expect(verifyIdentityToken(deps, provider, token, inspectIdentityToken(token))).rejects.toMatchObject({
      code: "invalid_token",
    });
    expect(idp.fetchCount).toBe(0);
  });
});

describe("identity-provider changes are audited", () => {
  it("create, update, disable, enable and delete each leave a row naming the admin, tenant and change", async () => {
    const tenant = await createTenant();
    const input = inlineProvider([SOUND_RSA_JWK]);
    const created = await sendJson(providersPath(tenant), "POST", input, admin.headers);
    const id = ((await created.json()) as { identityProvider: { id: string } }).identityProvider.id;
    const path = `${providersPath(tenant)}/${id}`;
    expect((await sendJson(path, "PUT", { ...input, audience: "other-app" }, admin.headers)).status).toBe(200);
    expect(
      (await sendJson(path, "PUT", { ...input, audience: "other-app", enabled: false }, admin.headers)).status,
    ).toBe(200);
    expect((await sendJson(path, "PUT", { ...input, audience: "other-app" }, admin.headers)).status).toBe(200);
    expect((await send(path, { method: "DELETE", headers: admin.headers })).status).toBe(204);

    const rows = (await auditOfTenant(tenant)).sort((a, b) => a.id - b.id);
    expect(rows.map((row) => row.action)).toEqual([
      "identity_provider.create",
      "identity_provider.update",
      "identity_provider.disable",
      "identity_provider.enable",
      "identity_provider.delete",
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ actorPublicId: admin.publicId, actorType: "adminuser", target: id });
    }
    expect(rows[0]?.details).toMatchObject({ issuer: input.issuer, jwksInlineKids: ["kid-rsa-sign"], enabled: true });
    expect(rows[1]?.details).toEqual({
      changes: { audience: { from: "my-app", to: "other-app" } },
      families_revoked: 0,
    });
    expect(rows[2]?.details).toEqual({ changes: { enabled: { from: true, to: false } }, families_revoked: 0 });
    // Public keys appear by kid only; no key material is copied into the log.
    expect(JSON.stringify(rows)).not.toContain(SOUND_RSA_JWK.n.slice(0, 40));
  });

  it("a refused change leaves no audit row", async () => {
    const tenant = await createTenant();
    expect(
      (await sendJson(`${providersPath(tenant)}/idp_nope`, "PUT", inlineProvider([SOUND_RSA_JWK]), admin.headers))
        .status,
    ).toBe(404);
    expect((await send(`${providersPath(tenant)}/idp_nope`, { method: "DELETE", headers: admin.headers })).status).toBe(
      404,
    );
    expect(await auditOfTenant(tenant)).toEqual([]);
  });
});

describe("tenant settings: PUT replaces, PATCH changes", () => {
  const full = {
    allowJWTForUnauthenticatedUsers: true,
    enabledAuthTypes: ["business"],
    adminIdentities: [{ issuer: "https://idp.example.test", subject: "boss" }],
    allowedOrigins: ["https://app.example.com"],
  };

  it("PUT {} is refused, naming a missing field, and changes nothing", async () => {
    const tenant = await createTenant();
    expect((await sendJson(settingsPath(tenant), "PUT", full, admin.headers)).status).toBe(200);
    const before = await readSettings(tenant);
    const res = await sendJson(settingsPath(tenant), "PUT", {}, admin.headers);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain("allowJWTForUnauthenticatedUsers");
    const partial = await sendJson(settingsPath(tenant), "PUT", { ...full, allowedOrigins: undefined }, admin.headers);
    expect(partial.status).toBe(400);
    expect(((await partial.json()) as { message: string }).message).toContain("allowedOrigins");
    expect(await readSettings(tenant)).toEqual(before);
  });

  it("PATCH changes only the fields it names, and is audited with what changed", async () => {
    const tenant = await createTenant();
    expect((await sendJson(settingsPath(tenant), "PUT", full, admin.headers)).status).toBe(200);
    const res = await sendJson(settingsPath(tenant), "PATCH", { enabledAuthTypes: ["system"] }, admin.headers);
    expect(res.status).toBe(200);
    expect(await readSettings(tenant)).toMatchObject({ ...full, enabledAuthTypes: ["system"] });
    const cleared = await sendJson(settingsPath(tenant), "PATCH", { allowedOrigins: null }, admin.headers);
    expect(cleared.status).toBe(200);
    expect(await readSettings(tenant)).toMatchObject({ ...full, enabledAuthTypes: ["system"], allowedOrigins: null });

    const rows = (await auditOfTenant(tenant)).sort((a, b) => a.id - b.id);
    expect(rows.map((row) => row.action)).toEqual([
      "tenant_settings.update",
      "tenant_settings.update",
      "tenant_settings.update",
    ]);
    expect(rows[0]).toMatchObject({
      actorPublicId: admin.publicId,
      actorType: "adminuser",
      target: tenant.tenantPublicId,
    });
    expect(rows[1]?.details).toEqual({
      changes: { enabledAuthTypes: { from: ["business"], to: ["system"] } },
      families_revoked: 0,
    });
    expect(rows[2]?.details).toEqual({
      changes: { allowedOrigins: { from: ["https://app.example.com"], to: null } },
      families_revoked: 0,
    });
  });

  it("PATCH refuses empty, unknown and ill-typed bodies and changes nothing", async () => {
    const tenant = await createTenant();
    const bad = [
      {},
      { somethingElse: true },
      { enabledAuthTypes: ["business"], extra: 1 },
      { enabledAuthTypes: ["tenant"] },
      { allowJWTForUnauthenticatedUsers: "yes" },
      { adminIdentities: [{ issuer: "https://idp.example.test" }] },
      { allowedOrigins: ["*"] },
      [],
      "not json",
    ];
    for (const body of bad) {
      const res = await sendJson(settingsPath(tenant), "PATCH", body, admin.headers);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ result: "error" });
    }
    expect((await readSettings(tenant)).updatedAt).toBeNull();
    expect(await auditOfTenant(tenant)).toEqual([]);
  });

  it("PATCH by a non-admin is refused", async () => {
    const tenant = await createTenant();
    const user = await signedInUser("user");
    expect((await sendJson(settingsPath(tenant), "PATCH", { enabledAuthTypes: [] }, user.headers)).status).toBe(403);
    expect((await sendJson(settingsPath(tenant), "PATCH", { enabledAuthTypes: [] }, {})).status).toBe(401);
    expect(await auditOfTenant(tenant)).toEqual([]);
  });
});
