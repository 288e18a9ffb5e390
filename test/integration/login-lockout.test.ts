import { describe, expect, it } from "vitest";
import { createUser, type TestUser, uniqueEmail } from "../support/accounts";
import { randomClientIp, randomIpv6In, randomIpv6Prefix } from "../support/client-ip";
import { deviceTokensThatMustNotHelp } from "../support/device-tokens";
import { hammerUntilLimited, LIMITS } from "../support/rate-limits";
import { sendJson } from "../support/worker";

/**
 * A distributed attacker (one guess per address) cannot lock the owner out: the account-wide limit
 * counts failures only, and a client that signed in before presents its device token and is limited
 * per device instead.
 */

function tokenLogin(email: string, password: string, ip: string, headers: Record<string, string> = {}) {
  return sendJson(
    "/v1/auth/login",
    "POST",
    { email, password },
    { "User-Type": "user", "CF-Connecting-IP": ip, ...headers },
  );
}

function cookieLogin(email: string, password: string, ip: string, headers: Record<string, string> = {}) {
  return sendJson("/v1/auth/login", "POST", { email, password }, { "CF-Connecting-IP": ip, ...headers });
}

function deviceSetCookie(res: Response): string | undefined {
  return res.headers.getSetCookie().find((line) => line.startsWith("gatehouse_device="));
}

function deviceTokenOf(res: Response): string {
  const value = deviceSetCookie(res)?.slice("gatehouse_device=".length).split(";")[0];
  if (!value) throw new Error(`no gatehouse_device cookie in ${res.status} response`);
  return value;
}

const withDeviceCookie = (token: string) => ({ Cookie: `gatehouse_device=${token}` });

/** The owner signs in once, as from their own laptop, and keeps the device cookie. */
async function ownerDevice(owner: TestUser): Promise<string> {
  const res = await tokenLogin(owner.email, owner.password, randomClientIp());
  expect(res.status).toBe(200);
  return deviceTokenOf(res);
}

/** One wrong guess per address until the account-wide failure limit answers 429. */
function distributedAttack(victim: TestUser) {
  return hammerUntilLimited(LIMITS.loginAccount, (i) => tokenLogin(victim.email, `guess-${i}`, randomClientIp()));
}

describe("the device cookie", () => {
  it("a successful login sets it, HttpOnly, Secure, SameSite=Lax, only for the login path, in both flows", async () => {
    const owner = await createUser();
    for (const res of [
      await tokenLogin(owner.email, owner.password, randomClientIp()),
      await cookieLogin(owner.email, owner.password, randomClientIp()),
    ]) {
      expect(res.status).toBe(200);
      const line = deviceSetCookie(res) ?? "";
      expect(line).toMatch(
        /^gatehouse_device=d1\.[^;]+; Max-Age=7776000; Path=\/v1\/auth\/login; HttpOnly; Secure; SameSite=Lax$/,
      );
      expect(line).toContain(owner.publicId);
    }
  });

  it("a refused login sets none", async () => {
    const owner = await createUser();
    const res = await tokenLogin(owner.email, "wrong-password", randomClientIp());
    expect(res.status).toBe(401);
    expect(deviceSetCookie(res)).toBeUndefined();
  });
});

describe("a distributed attack on one account", () => {
  it("the owner with a device cookie still gets in, by cookie, by header, in both flows", async () => {
    const owner = await createUser();
    const device = await ownerDevice(owner);
    const { limited } = await distributedAttack(owner);
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(await limited.json()).toEqual({
      result: "error",
      message: "Too many requests. Try again later.",
      code: "rate_limited",
    });

    const byCookie = await tokenLogin(owner.email, owner.password, randomClientIp(), withDeviceCookie(device));
    expect(byCookie.status).toBe(200);
    expect(await byCookie.json()).toMatchObject({ result: "success" });
    const renewed = deviceTokenOf(byCookie);
    const byHeader = await tokenLogin(owner.email, owner.password, randomClientIp(), {
      "Gatehouse-Device-Token": renewed,
    });
    expect(byHeader.status).toBe(200);
    expect((await cookieLogin(owner.email, owner.password, randomClientIp(), withDeviceCookie(device))).status).toBe(
      200,
    );
  });

  it("a new device (no device cookie) waits out the window like the attacker, in the seeds' 429 formats", async () => {
    const owner = await createUser();
    await distributedAttack(owner);
    const token = await tokenLogin(owner.email, owner.password, randomClientIp());
    expect(token.status).toBe(429);
    expect(token.headers.get("Retry-After")).toBe("60");
    expect(await token.json()).toMatchObject({ code: "rate_limited" });
    expect(deviceSetCookie(token)).toBeUndefined();
    const cookie = await cookieLogin(owner.email, owner.password, randomClientIp());
    expect(cookie.status).toBe(429);
    expect(cookie.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(await cookie.text()).toBe("Too many requests. Try again later.");
  });

  it("a forged, expired or other account's device cookie gets no bypass", async () => {
    const owner = await createUser();
    const other = await createUser();
    const device = await ownerDevice(owner);
    const othersDevice = await ownerDevice(other);
    const tokens = await deviceTokensThatMustNotHelp(owner.publicId, device, {
      publicId: other.publicId,
      device: othersDevice,
    });
    await distributedAttack(owner);

    for (const token of tokens) {
      const res = await tokenLogin(owner.email, owner.password, randomClientIp(), withDeviceCookie(token));
      expect(res.status, token).toBe(429);
      await res.arrayBuffer();
    }
    expect((await tokenLogin(owner.email, owner.password, randomClientIp(), withDeviceCookie(device))).status).toBe(
      200,
    );
  });

  it("a device guessing wrong is stopped by its own limit, and the account's other devices are not", async () => {
    const owner = await createUser();
    const stolen = await ownerDevice(owner);
    const laptop = await ownerDevice(owner);
    const { limited } = await hammerUntilLimited(LIMITS.loginDevice, (i) =>
      tokenLogin(owner.email, `guess-${i}`, randomClientIp(), withDeviceCookie(stolen)),
    );
    expect(await limited.json()).toMatchObject({ code: "rate_limited" });
    const again = await tokenLogin(owner.email, owner.password, randomClientIp(), withDeviceCookie(stolen));
    expect(again.status).toBe(429);
    await again.arrayBuffer();
    expect((await tokenLogin(owner.email, owner.password, randomClientIp(), withDeviceCookie(laptop))).status).toBe(
      200,
    );
    // The device's failures did not touch the account-wide budget: a new device still gets in.
    expect((await tokenLogin(owner.email, owner.password, randomClientIp())).status).toBe(200);
  });
});

describe("the account-wide limit counts failures only", () => {
  it("successful logins, more than the limit, do not consume the failure budget", async () => {
    const owner = await createUser();
    for (let i = 0; i < LIMITS.loginAccount + 5; i++) {
      const res = await tokenLogin(owner.email, owner.password, randomClientIp());
      expect(res.status, `login ${i}`).toBe(200);
      await res.arrayBuffer();
    }
    const { allowed } = await distributedAttack(owner);
    expect(allowed).toBeGreaterThanOrEqual(LIMITS.loginAccount);
  });
});

describe("IPv6 clients are limited by their /64", () => {
  it("addresses in one /64 share the per-account+IP bucket; another /64 does not", async () => {
    const victim = await createUser();
    const attacker = randomIpv6Prefix();
    const { limited } = await hammerUntilLimited(LIMITS.loginAccountIp, (i) =>
      tokenLogin(victim.email, `guess-${i}`, randomIpv6In(attacker)),
    );
    expect(await limited.json()).toMatchObject({ code: "rate_limited" });
    const neighbour = await tokenLogin(victim.email, "guess-x", randomIpv6In(randomIpv6Prefix()));
    expect(neighbour.status).toBe(401);
    await neighbour.arrayBuffer();
    expect((await tokenLogin(victim.email, victim.password, randomIpv6In(randomIpv6Prefix()))).status).toBe(200);
  });

  it("addresses in one /64 share the per-IP login bucket; another /64 does not", async () => {
    const sprayer = randomIpv6Prefix();
    const { limited } = await hammerUntilLimited(LIMITS.loginIp, () =>
      tokenLogin(uniqueEmail("spray6"), "password-1", randomIpv6In(sprayer)),
    );
    expect(await limited.json()).toMatchObject({ code: "rate_limited" });
    const user = await createUser();
    expect((await tokenLogin(user.email, user.password, randomIpv6In(randomIpv6Prefix()))).status).toBe(200);
  });
});
