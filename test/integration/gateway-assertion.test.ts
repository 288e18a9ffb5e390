import { env } from "cloudflare:workers";
import { decodeProtectedHeader, errors } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type TenantWithKeys, tenantWithGatewayKeys } from "../support/gateway-credentials";
import { echoOf, stubOrigins, verifyAsOrigin } from "../support/origins";
import { type SignedIn, signedInUser } from "../support/tokens";
import { send } from "../support/worker";

beforeEach(() => {
  stubOrigins();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function assertionFor(path: string, headers: Record<string, string>): Promise<string> {
  const res = await send(path, { headers });
  const body = (await res.json()) as { headers: Record<string, string> };
  const assertion = body.headers["x-auth-assertion"];
  if (!assertion) throw new Error(`no assertion reached the origin (${res.status})`);
  return assertion;
}

describe("the signed identity assertion an origin receives", () => {
  let alice: SignedIn;
  let tenant: TenantWithKeys;
  beforeAll(async () => {
    alice = await signedInUser("user");
    tenant = await tenantWithGatewayKeys();
  });

  it("verifies with the published JWKS and carries the same identity as the headers", async () => {
    const echo = await echoOf(await send("/v1/get/me", { headers: alice.headers }));
    const assertion = echo.headers["x-auth-assertion"] as string;
    const { payload, protectedHeader } = await verifyAsOrigin(assertion, "service:DEMO_UPSTREAM");
    expect(protectedHeader.typ).toBe("gatehouse-assertion+jwt");
    expect(payload).toMatchObject({
      iss: env.ISSUER,
      aud: "service:DEMO_UPSTREAM",
      sub: echo.headers["x-auth-user-id"],
      auth_method: "jwt",
      user_type: echo.headers["x-auth-user-type"],
      session_id: echo.headers["x-auth-session-id"],
    });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60);
    expect(payload.jti).toEqual(expect.any(String));
  });

  it("does not verify for any other audience", async () => {
    const assertion = await assertionFor("/v1/get/me", alice.headers);
    for (const audience of ["https://origin.test", "gatehouse", "service:OTHER"]) {
      await expect(verifyAsOrigin(assertion, audience)).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
    }
  });

  it("is addressed to a URL upstream's origin, or to the audience the route states", async () => {
    const byUrl = await assertionFor("/origin/orders", alice.headers);
    expect((await verifyAsOrigin(byUrl, "https://origin.test")).payload.aud).toBe("https://origin.test");
    const stated = await assertionFor("/v1/notification/api/templates/welcome", alice.headers);
    expect((await verifyAsOrigin(stated, "https://templates.internal")).payload.aud).toBe("https://templates.internal");
  });

  it("for the sandbox never verifies at the live origin of the same route, and the reverse", async () => {
    const path = "/v1/notification/api/sms/x";
    const sandboxed = await assertionFor(path, { "X-Ping-Api-Key": tenant.keys.testSms.raw });
    await expect(verifyAsOrigin(sandboxed, "service:DEMO_UPSTREAM")).rejects.toBeInstanceOf(
      errors.JWTClaimValidationFailed,
    );
    expect((await verifyAsOrigin(sandboxed, "sandbox:service:DEMO_UPSTREAM")).payload.mode).toBe("test");
    const live = await assertionFor(path, { "X-Ping-Api-Key": tenant.keys.liveSms.raw });
    await expect(verifyAsOrigin(live, "sandbox:service:DEMO_UPSTREAM")).rejects.toBeInstanceOf(
      errors.JWTClaimValidationFailed,
    );
    expect((await verifyAsOrigin(live, "service:DEMO_UPSTREAM")).payload.mode).toBe("live");
  });

  it("for an API key names the key, its tenant, permissions and mode", async () => {
    const { keyId, raw } = tenant.keys.testSms;
    const assertion = await assertionFor("/v1/notification/api/sms/x", { "X-Ping-Api-Key": raw });
    const { payload } = await verifyAsOrigin(assertion, "sandbox:service:DEMO_UPSTREAM");
    expect(payload).toMatchObject({
      sub: keyId,
      auth_method: "api_key",
      key_id: keyId,
      tenant_id: tenant.tenantId,
      permissions: ["sms"],
      mode: "test",
    });
    expect(payload.user_type).toBeUndefined();
  });

  it("is signed once and reused for the same caller and audience, never shared with another caller", async () => {
    const first = await assertionFor("/v1/get/me", alice.headers);
    const again = await assertionFor("/v1/get/other", alice.headers);
    expect(again).toBe(first);
    const bob = await signedInUser("user");
    expect(await assertionFor("/v1/get/me", bob.headers)).not.toBe(first);
    expect(decodeProtectedHeader(first).kid).toEqual(expect.any(String));
  });

  it("a forged assertion sent by the client is replaced by the gateway's", async () => {
    const forged = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.";
    const assertion = await assertionFor("/v1/get/me", { ...alice.headers, "X-Auth-Assertion": forged });
    expect(assertion).not.toBe(forged);
    await expect(verifyAsOrigin(assertion, "service:DEMO_UPSTREAM")).resolves.toBeTruthy();
  });
});
