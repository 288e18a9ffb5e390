import { describe, expect, it } from "vitest";
import { send } from "../support/worker";

// The gateway checks API keys and session cookies with the services that own them.
describe("forged credentials at the gateway", () => {
  it("a malformed API key is refused with the API-key challenge and its reason", async () => {
    const res = await send("/v1/notification/api/sms/send", {
      method: "POST",
      headers: { "X-Ping-Api-Key": "sk_live_fake_sms" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('ApiKey realm="gatehouse", error="invalid_token"');
    expect(await res.json()).toEqual({
      error: "invalid_api_key",
      message: "The API key is invalid, revoked or expired.",
      reason: "invalid_format",
    });
  });

  it("a forged session cookie is refused with the session challenge", async () => {
    const res = await send("/app/home", { headers: { Cookie: "session_token=cookie-user" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Session realm="gatehouse", error="invalid_token"');
  });
});
