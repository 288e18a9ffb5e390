import { describe, expect, it } from "vitest";
import { MAX_EXTERNAL_TOKEN_LENGTH } from "../../src/crypto/external-jwt";
import { startedSession } from "../support/pers-session";
import { sendJson } from "../support/worker";

/** What a PERS client written from the document reads: `valid`, `payload`, `errorMessage`, always. */
async function verdictFor(projectKey: string, body: unknown) {
  const res = await sendJson("/v2/auth/verify", "POST", body, { "X-API-Key": projectKey });
  return { status: res.status, verdict: (await res.json()) as Record<string, unknown> };
}

describe("PERS verify answers every token with a verdict", () => {
  const notATokenAtAll: Array<[string, unknown]> = [
    ["an authToken far larger than any token", { authToken: "a".repeat(MAX_EXTERNAL_TOKEN_LENGTH + 1) }],
    ["an authToken of 12 KiB of JWT-looking text", { authToken: `eyJ${"A".repeat(12 * 1024)}.e30.sig` }],
    ["an empty authToken", { authToken: "" }],
    ["a number", { authToken: 42 }],
    ["an object", { authToken: { $gt: "" } }],
    ["null", { authToken: null }],
  ];

  for (const [name, body] of notATokenAtAll) {
    it(`${name}: 200, valid false, a string errorMessage`, async () => {
      const { tenant } = await startedSession();
      const { status, verdict } = await verdictFor(tenant.projectKey, body);
      expect(status).toBe(200);
      expect(verdict).toEqual({ valid: false, payload: null, errorMessage: "Invalid token", reason: "malformed" });
    });
  }

  it("a valid token's errorMessage is an empty string, never null (the document types it as a string)", async () => {
    const { tenant, pair } = await startedSession();
    const { status, verdict } = await verdictFor(tenant.projectKey, { authToken: pair.accessToken });
    expect(status).toBe(200);
    expect(verdict.valid).toBe(true);
    expect(verdict.errorMessage).toBe("");
    expect(typeof verdict.payload).toBe("object");
  });

  it("a body naming no authToken at all is a malformed request (400), not a token to judge", async () => {
    const { tenant } = await startedSession();
    const { status, verdict } = await verdictFor(tenant.projectKey, {});
    expect(status).toBe(400);
    expect(verdict).toMatchObject({ error: "invalid_request", message: "Invalid authToken: is required" });
  });

  it("the request as a whole is still bounded: a body over the limit is 413", async () => {
    const { tenant } = await startedSession();
    const { status } = await verdictFor(tenant.projectKey, { authToken: "a".repeat(20_000) });
    expect(status).toBe(413);
  });

  it("without a valid project key there is no verdict: 401", async () => {
    const { pair } = await startedSession();
    const { status } = await verdictFor("pk_live_not_a_key", { authToken: pair.accessToken });
    expect(status).toBe(401);
  });
});
