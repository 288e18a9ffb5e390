import { describe, expect, it } from "vitest";
import { createUser } from "../support/accounts";
import { call, postJson } from "../support/client";

describe("smoke", () => {
  it("logs in", async () => {
    const user = await createUser({ businessNames: ["Acme"] });
    const res = await postJson(
      "/v1/auth/login",
      { email: user.email, password: user.password },
      { "User-Type": "user" },
    );
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const jwks = await call("/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
  });
});
