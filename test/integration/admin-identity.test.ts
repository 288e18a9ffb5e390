import { exportJWK, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { FakeIdentityProvider } from "../support/identity-provider";
import { exchange } from "../support/pers";
import { createTenant, type TestTenant } from "../support/tenants";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";

let admin: Record<string, string>;
beforeAll(async () => {
  admin = (await signedInUser("adminuser")).headers;
});

const providersPath = (tenant: TestTenant) => `/v1/admin/tenants/${tenant.tenantPublicId}/identity-providers`;
const settingsPath = (tenant: TestTenant) => `/v1/admin/tenants/${tenant.tenantPublicId}/settings`;

function validProvider(overrides: Record<string, unknown> = {}) {
  return {
    issuer: `https://idp-${crypto.randomUUID().slice(0, 8)}.example.test`,
    audience: "my-app",
    jwksUrl: "https://idp.example.test/.well-known/jwks.json",
    allowedAlgorithms: ["RS256"],
    ...overrides,
  };
}

async function listProviders(tenant: TestTenant) {
  const res = await send(providersPath(tenant), { headers: admin });
  expect(res.status).toBe(200);
  return ((await res.json()) as { identityProviders: Array<Record<string, unknown>> }).identityProviders;
}

describe("admin: a tenant's identity providers", () => {
  it("an admin creates, lists, replaces and deletes a provider", async () => {
    const tenant = await createTenant();
    const input = validProvider({ claimMapping: { subject: "uid", email: "mail" } });
    const created = await sendJson(providersPath(tenant), "POST", input, admin);
    const body = (await created.json()) as { result: string; identityProvider: Record<string, unknown> };
    expect(created.status, JSON.stringify(body)).toBe(201);
    expect(body.result).toBe("success");
    expect(body.identityProvider).toMatchObject({
      issuer: input.issuer,
      audience: "my-app",
      jwksUrl: input.jwksUrl,
      jwksInline: null,
      allowedAlgorithms: ["RS256"],
      claimMapping: { subject: "uid", email: "mail" },
      enabled: true,
    });
    const id = body.identityProvider.id as string;
    expect(id).toMatch(/^idp_/);
    expect(await listProviders(tenant)).toEqual([body.identityProvider]);

    const replaced = await sendJson(`${providersPath(tenant)}/${id}`, "PUT", { ...input, enabled: false }, admin);
    expect(replaced.status).toBe(200);
    expect(((await replaced.json()) as { identityProvider: { enabled: boolean } }).identityProvider.enabled).toBe(
      false,
    );

    expect((await send(`${providersPath(tenant)}/${id}`, { method: "DELETE", headers: admin })).status).toBe(204);
    expect(await listProviders(tenant)).toEqual([]);
    expect((await send(`${providersPath(tenant)}/${id}`, { method: "DELETE", headers: admin })).status).toBe(404);
  });

  it("a provider created through the API lets its users exchange tokens", async () => {
    const tenant = await createTenant();
    const idp = await FakeIdentityProvider.create({ alg: "ES256" });
    const input = { issuer: idp.issuer, audience: idp.audience, jwksInline: idp.jwks(), allowedAlgorithms: ["ES256"] };
    expect((await sendJson(providersPath(tenant), "POST", input, admin)).status).toBe(201);
    expect((await exchange(tenant, { authToken: await idp.token("api-made") })).status).toBe(200);
  });

  it("refuses bad input with 400 and stores nothing", async () => {
    const tenant = await createTenant();
    // jose will not even generate a weak key; WebCrypto will.
    const rsa1024 = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const ec = await generateKeyPair("ES256", { extractable: true });
    const ecPublic = { ...(await exportJWK(ec.publicKey)), kid: "ec-1" };
    const ecPrivate = { ...(await exportJWK(ec.privateKey)), kid: "ec-1" };
    const bad: Array<[string, unknown]> = [
      ["http JWKS URL off localhost", validProvider({ jwksUrl: "http://idp.example.test/jwks.json" })],
      ["javascript: URL", validProvider({ jwksUrl: "javascript:alert(1)" })],
      ["URL with credentials", validProvider({ jwksUrl: "https://user:pw@idp.example.test/jwks" })],
      ["relative URL", validProvider({ jwksUrl: "/jwks.json" })],
      ["both URL and inline", validProvider({ jwksInline: { keys: [ecPublic] }, allowedAlgorithms: ["ES256"] })],
      ["neither URL nor inline", validProvider({ jwksUrl: undefined })],
      [
        "inline private key",
        validProvider({ jwksUrl: undefined, jwksInline: { keys: [ecPrivate] }, allowedAlgorithms: ["ES256"] }),
      ],
      [
        "inline symmetric key",
        validProvider({ jwksUrl: undefined, jwksInline: { keys: [{ kty: "oct", k: "c2VjcmV0", kid: "h" }] } }),
      ],
      [
        "inline weak RSA key",
        validProvider({
          jwksUrl: undefined,
          jwksInline: { keys: [{ ...(await exportJWK(rsa1024.publicKey)), kid: "r" }] },
        }),
      ],
      [
        "inline key without kid",
        validProvider({
          jwksUrl: undefined,
          jwksInline: { keys: [{ ...ecPublic, kid: undefined }] },
          allowedAlgorithms: ["ES256"],
        }),
      ],
      [
        "inline duplicate kid",
        validProvider({ jwksUrl: undefined, jwksInline: { keys: [ecPublic, ecPublic] }, allowedAlgorithms: ["ES256"] }),
      ],
      [
        "inline key fits no allowed algorithm",
        validProvider({ jwksUrl: undefined, jwksInline: { keys: [ecPublic] }, allowedAlgorithms: ["RS256"] }),
      ],
      [
        "inline key that does not parse",
        validProvider({
          jwksUrl: undefined,
          jwksInline: { keys: [{ ...ecPublic, x: "AAAA" }] },
          allowedAlgorithms: ["ES256"],
        }),
      ],
      ["HS256 allowed", validProvider({ allowedAlgorithms: ["HS256"] })],
      ["alg none allowed", validProvider({ allowedAlgorithms: ["none"] })],
      ["no algorithms", validProvider({ allowedAlgorithms: [] })],
      ["issuer with spaces", validProvider({ issuer: "https://idp example" })],
      ["Gatehouse's own issuer", validProvider({ issuer: "http://localhost:8787" })],
      ["empty audience", validProvider({ audience: "" })],
      ["unknown field", validProvider({ jku: "https://evil.example.test" })],
      ["bad claim name", validProvider({ claimMapping: { subject: "a b" } })],
      ["not an object", [validProvider()]],
    ];
    for (const [why, body] of bad) {
      const res = await sendJson(providersPath(tenant), "POST", body, admin);
      expect(res.status, why).toBe(400);
      const error = (await res.json()) as { result: string; message: string };
      expect(error.result, why).toBe("error");
    }
    expect(await listProviders(tenant)).toEqual([]);
  });

  it("accepts http JWKS on localhost while Gatehouse runs locally", async () => {
    const tenant = await createTenant();
    const res = await sendJson(
      providersPath(tenant),
      "POST",
      validProvider({ jwksUrl: "http://localhost:9999/jwks" }),
      admin,
    );
    expect(res.status).toBe(201);
  });

  it("one issuer per tenant: a second provider with the same issuer is a 409", async () => {
    const tenant = await createTenant();
    const input = validProvider();
    expect((await sendJson(providersPath(tenant), "POST", input, admin)).status).toBe(201);
    const dup = await sendJson(providersPath(tenant), "POST", { ...input, audience: "other" }, admin);
    expect(dup.status).toBe(409);
    const other = await sendJson(providersPath(tenant), "POST", validProvider(), admin);
    const otherId = ((await other.json()) as { identityProvider: { id: string } }).identityProvider.id;
    const clash = await sendJson(`${providersPath(tenant)}/${otherId}`, "PUT", input, admin);
    expect(clash.status).toBe(409);
    expect((await listProviders(tenant)).map((p) => p.audience)).toEqual(["my-app", "my-app"]);
  });

  it("unknown tenants and providers are 404; a provider of another tenant is not reachable", async () => {
    const [a, b] = [await createTenant(), await createTenant()];
    const created = await sendJson(providersPath(a), "POST", validProvider(), admin);
    const id = ((await created.json()) as { identityProvider: { id: string } }).identityProvider.id;
    expect((await send(`/v1/admin/tenants/${crypto.randomUUID()}/identity-providers`, { headers: admin })).status).toBe(
      404,
    );
    expect((await sendJson(`${providersPath(b)}/${id}`, "PUT", validProvider(), admin)).status).toBe(404);
    expect((await send(`${providersPath(b)}/${id}`, { method: "DELETE", headers: admin })).status).toBe(404);
    expect(await listProviders(a)).toHaveLength(1);
  });

  it("non-admins are refused (403) and anonymous callers are 401, with nothing stored", async () => {
    const tenant = await createTenant();
    const user = (await signedInUser("user")).headers;
    const agent = (await signedInUser("agent")).headers;
    for (const headers of [user, agent]) {
      const res = await sendJson(providersPath(tenant), "POST", validProvider(), headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ result: "error", code: "insufficient_permission" });
      expect(
        (await sendJson(settingsPath(tenant), "PUT", { allowJWTForUnauthenticatedUsers: true }, headers)).status,
      ).toBe(403);
    }
    const anonymous = await sendJson(providersPath(tenant), "POST", validProvider(), {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Bearer realm="gatehouse"');
    expect((await send(providersPath(tenant), { headers: { ...admin, Authorization: "Bearer nope" } })).status).toBe(
      401,
    );
    expect(await listProviders(tenant)).toEqual([]);
    const settings = await send(settingsPath(tenant), { headers: admin });
    expect(((await settings.json()) as { settings: { updatedAt: unknown } }).settings.updatedAt).toBeNull();
  });
});

describe("admin: a tenant's exchange settings", () => {
  it("defaults, then replaced and read back", async () => {
    const tenant = await createTenant();
    const initial = await send(settingsPath(tenant), { headers: admin });
    expect(await initial.json()).toEqual({
      result: "success",
      settings: {
        tenantId: tenant.tenantPublicId,
        allowJWTForUnauthenticatedUsers: false,
        enabledAuthTypes: [],
        adminIdentities: [],
        allowedOrigins: null,
        updatedAt: null,
      },
    });
    const input = {
      allowJWTForUnauthenticatedUsers: true,
      enabledAuthTypes: ["business", "system", "business"],
      adminIdentities: [{ issuer: "https://idp.example.test", subject: "boss" }],
      allowedOrigins: null,
    };
    const saved = await sendJson(settingsPath(tenant), "PUT", input, admin);
    expect(saved.status).toBe(200);
    const { settings } = (await saved.json()) as { settings: Record<string, unknown> };
    expect(settings).toMatchObject({
      allowJWTForUnauthenticatedUsers: true,
      enabledAuthTypes: ["business", "system"],
      adminIdentities: [{ issuer: "https://idp.example.test", subject: "boss" }],
    });
    const read = (await (await send(settingsPath(tenant), { headers: admin })).json()) as { settings: unknown };
    expect(read.settings).toEqual(settings);
    // Anonymous users now allowed at this tenant.
    expect((await exchange(tenant, { rawLoginData: { trial: true } })).status).toBe(200);
  });

  it("refuses bad settings with 400 and keeps the old ones", async () => {
    const tenant = await createTenant();
    const bad = [
      { enabledAuthTypes: ["tenant"] },
      { enabledAuthTypes: ["user"] },
      { enabledAuthTypes: ["admin"] },
      { allowJWTForUnauthenticatedUsers: "yes" },
      { adminIdentities: [{ issuer: "https://idp.example.test" }] },
      { adminIdentities: [{ issuer: "https://idp.example.test", subject: "" }] },
      { adminIdentities: [{ email: "boss@example.com" }] },
      { somethingElse: true },
    ];
    for (const body of bad) {
      expect((await sendJson(settingsPath(tenant), "PUT", body, admin)).status, JSON.stringify(body)).toBe(400);
    }
    const read = (await (await send(settingsPath(tenant), { headers: admin })).json()) as {
      settings: { updatedAt: unknown };
    };
    expect(read.settings.updatedAt).toBeNull();
  });
});
