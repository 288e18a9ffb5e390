import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sendAs } from "../support/api-keys";
import { withSession } from "../support/cookies";
import { browserSession } from "../support/gateway-credentials";
import { stubOrigins } from "../support/origins";
import { signedInUser } from "../support/tokens";
import { send } from "../support/worker";

let origins: ReturnType<typeof stubOrigins>;
beforeEach(() => {
  origins = stubOrigins();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const path = "/v1/notification/api/templates/welcome";

describe("a disabled account at the gateway", () => {
  it("its bearer token and its session cookie no longer reach the origin", async () => {
    const admin = await signedInUser("adminuser");
    const person = await signedInUser("user");
    const browser = await browserSession();
    expect((await send(path, { headers: person.headers })).status).toBe(200);
    expect((await send(path, { headers: withSession(browser.cookie) })).status).toBe(200);
    const reachedBefore = origins.reached.length;

    for (const id of [person.publicId, browser.userPublicId]) {
      expect((await sendAs(admin, "POST", `/v1/admin/users/${id}/disable`)).status).toBe(200);
    }

    const bearer = await send(path, { headers: person.headers });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get("WWW-Authenticate")).toBe('Bearer realm="gatehouse", error="invalid_token"');
    const cookie = await send(path, { headers: withSession(browser.cookie) });
    expect(cookie.status).toBe(401);
    expect(origins.reached).toHaveLength(reachedBefore);
  });
});
