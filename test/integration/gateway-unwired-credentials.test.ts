import { describe, expect, it } from "vitest";
import { call } from "../support/client";

// Until the API-key and cookie-session services are wired into the gateway, routes that accept
// those credentials must fail closed.
describe("before API keys and cookie sessions are wired in", () => {
  it("an API key is refused with the API-key challenge", async () => {
    const res = await call("/v1/notification/api/sms/send", {
      method: "POST",
      headers: { "X-Ping-Api-Key": "sk_live_fake_sms" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('ApiKey realm="gatehouse", error="invalid_token"');
    expect(await res.json()).toEqual({ error: "invalid_token", message: "The token is invalid or has expired." });
  });

  it("a session cookie is refused with the session challenge", async () => {
    const res = await call("/dashboard/home", { headers: { Cookie: "session_token=cookie-user" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Session realm="gatehouse", error="invalid_token"');
  });
});
