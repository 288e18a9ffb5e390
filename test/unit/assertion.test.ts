import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/domain";
import { identityAssertion } from "../../src/gateway/assertion";
import { testDeps } from "../support/deps";

const person: Principal = { method: "jwt", userPublicId: "user-1", userType: "user", sessionId: "session-1" };

describe("identity assertions are cached per principal and audience for half their lifetime", () => {
  it("reuses one for 30 s, then signs a fresh one", async () => {
    const clock = await testDeps();
    const start = Date.UTC(2030, 0, 1);
    const first = await identityAssertion(clock.at(start), person, "aud-a");
    const later = await identityAssertion(clock.at(start + 29_000), person, "aud-a");
    const fresh = await identityAssertion(clock.at(start + 31_000), person, "aud-a");
    expect(later).toBe(first);
    expect(fresh).not.toBe(first);
    expect(decodeJwt(fresh).iat).toBe(Math.floor((start + 31_000) / 1000));
  });

  it("never hands one audience's assertion to another, nor one session's to another", async () => {
    const deps = (await testDeps()).at(Date.UTC(2030, 1, 1));
    const a = await identityAssertion(deps, person, "aud-a");
    expect(decodeJwt(await identityAssertion(deps, person, "aud-b")).aud).toBe("aud-b");
    const otherSession = await identityAssertion(deps, { ...person, sessionId: "session-2" }, "aud-a");
    expect(otherSession).not.toBe(a);
    expect(decodeJwt(otherSession).session_id).toBe("session-2");
  });

  it("tells apart two keys of one tenant that differ only in permissions or mode", async () => {
    const deps = (await testDeps()).at(Date.UTC(2030, 2, 1));
    const key: Principal = {
      method: "api_key",
      keyId: "k",
      tenantId: "t",
      kind: "secret",
      mode: "live",
      permissions: ["sms"],
    };
    const live = decodeJwt(await identityAssertion(deps, key, "aud"));
    const test = decodeJwt(await identityAssertion(deps, { ...key, mode: "test" }, "aud"));
    const more = decodeJwt(await identityAssertion(deps, { ...key, permissions: ["sms", "bulk"] }, "aud"));
    expect([live.mode, test.mode, more.permissions]).toEqual(["live", "test", ["sms", "bulk"]]);
  });
});
