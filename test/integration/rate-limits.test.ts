import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/storage/db";
import { auditEvents } from "../../src/storage/schema";
import { countUsersWithEmail, createUser, uniqueEmail } from "../support/accounts";
import { createKey, signedInOwner } from "../support/api-keys";
import { randomClientIp } from "../support/client-ip";
import { hammerUntilLimited, LIMITS } from "../support/rate-limits";
import { sessionIdsOf } from "../support/sessions";
import { send, sendJson } from "../support/worker";

/** Abuse from one place slows that place down; the real user elsewhere still gets in. */

const db = () => openDatabase(env.DB);

function tokenLogin(email: string, password: string, ip: string, userType = "user") {
  return sendJson("/v1/auth/login", "POST", { email, password }, { "User-Type": userType, "CF-Connecting-IP": ip });
}

function cookieLogin(email: string, password: string, ip: string) {
  return sendJson("/v1/auth/login", "POST", { email, password }, { "CF-Connecting-IP": ip });
}

async function auditActionsFor(target: string): Promise<string[]> {
  const rows = await db().select().from(auditEvents).where(eq(auditEvents.target, target));
  return rows.map((row) => row.action).sort();
}

describe("login", () => {
  it("one IP guessing one account's password is stopped after a few tries, while the owner logs in from elsewhere", async () => {
    const victim = await createUser();
    const attacker = randomClientIp();
    const { limited, allowed } = await hammerUntilLimited(LIMITS.loginAccountIp, (i) =>
      tokenLogin(victim.email, `guess-${i}`, attacker),
    );
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(limited.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await limited.json()).toEqual({
      result: "error",
      message: "Too many requests. Try again later.",
      code: "rate_limited",
    });

    // Over the limit even the right password gets nowhere: a guess past the limit learns nothing.
    const sessionsBefore = await sessionIdsOf(victim.publicId);
    const auditBefore = await auditActionsFor(victim.publicId);
    expect((await tokenLogin(victim.email, victim.password, attacker)).status).toBe(429);
    expect(await sessionIdsOf(victim.publicId)).toEqual(sessionsBefore);
    expect(await auditActionsFor(victim.publicId)).toEqual(auditBefore);
    expect(auditBefore.filter((action) => action === "auth.login_failed")).toHaveLength(allowed);

    expect((await tokenLogin(victim.email, victim.password, randomClientIp())).status).toBe(200);
  });

  it("the cookie flow's limit answers in plain text", async () => {
    const victim = await createUser();
    const attacker = randomClientIp();
    const { limited } = await hammerUntilLimited(LIMITS.loginAccountIp, (i) =>
      cookieLogin(victim.email, `guess-${i}`, attacker),
    );
    expect(limited.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(await limited.text()).toBe("Too many requests. Try again later.");
    expect(limited.headers.get("Set-Cookie")).toBeNull();
  });

  it("one IP trying many different accounts is stopped by the per-IP limit", async () => {
    const sprayer = randomClientIp();
    const { limited } = await hammerUntilLimited(LIMITS.loginIp, () =>
      tokenLogin(uniqueEmail("spray"), "password-1", sprayer),
    );
    expect(await limited.json()).toMatchObject({ code: "rate_limited" });
    // Another client is not affected.
    const user = await createUser();
    expect((await tokenLogin(user.email, user.password, randomClientIp())).status).toBe(200);
  });

  it("many IPs failing against one account stop new devices until the window ends (known devices: login-lockout.test.ts)", async () => {
    const victim = await createUser();
    const { limited } = await hammerUntilLimited(LIMITS.loginAccount, (i) =>
      tokenLogin(victim.email, `guess-${i}`, randomClientIp()),
    );
    expect(limited.headers.get("Retry-After")).toBe("60");
    // The price of stopping a distributed guesser: a device that never signed in waits as well.
    const owner = await tokenLogin(victim.email, victim.password, randomClientIp());
    expect(owner.status).toBe(429);
    expect(owner.headers.get("Retry-After")).toBe("60");
  });

  it("an unknown email is limited exactly like a real one, so a 429 reveals nothing", async () => {
    const ghost = uniqueEmail("ghost");
    const attacker = randomClientIp();
    const { limited, allowed } = await hammerUntilLimited(LIMITS.loginAccountIp, (i) =>
      tokenLogin(ghost, `guess-${i}`, attacker),
    );
    expect(allowed).toBeGreaterThanOrEqual(LIMITS.loginAccountIp);
    expect(await limited.json()).toMatchObject({ code: "rate_limited" });
  });
});

describe("registration", () => {
  it("one IP registering account after account is stopped, and the refused one is not created", async () => {
    const ip = randomClientIp();
    const register = (email: string) =>
      sendJson(
        "/v1/auth/register",
        "POST",
        { email, password: "long-enough-1", name: "Bulk" },
        { "CF-Connecting-IP": ip },
      );
    const { limited } = await hammerUntilLimited(LIMITS.registerIp, () => register(uniqueEmail("bulk")));
    expect(limited.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(limited.headers.get("Retry-After")).toBe("60");

    const refusedEmail = uniqueEmail("refused");
    const refused = await register(refusedEmail);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Set-Cookie")).toBeNull();
    expect(await countUsersWithEmail(refusedEmail)).toBe(0);
  });
});

describe("refresh", () => {
  async function loggedIn() {
    const user = await createUser();
    const res = await tokenLogin(user.email, user.password, randomClientIp());
    return { user, ...(await res.json<{ refreshToken: string }>()) };
  }

  function refresh(refreshToken: string, ip: string) {
    return sendJson("/v1/auth/refresh", "POST", { refreshToken, userType: "user" }, { "CF-Connecting-IP": ip });
  }

  it("one IP replaying garbage refresh tokens is stopped", async () => {
    const ip = randomClientIp();
    const { limited } = await hammerUntilLimited(LIMITS.refreshIp, (i) => refresh(`not.a.token${i}`, ip));
    expect(await limited.json()).toMatchObject({ code: "rate_limited" });
    expect(limited.headers.get("Retry-After")).toBe("60");
  });

  it("one session refreshed over and over is stopped, wherever the requests come from", async () => {
    const { refreshToken } = await loggedIn();
    const { limited } = await hammerUntilLimited(LIMITS.refreshSession, () => refresh(refreshToken, randomClientIp()));
    expect(await limited.json()).toMatchObject({ code: "rate_limited" });
    // Another session is not affected.
    const other = await loggedIn();
    expect((await refresh(other.refreshToken, randomClientIp())).status).toBe(200);
  });
});

describe("API keys", () => {
  const whoAmI = (key: string, ip: string) =>
    send("/v1/auth/api-key", { headers: { "X-Ping-Api-Key": key, "CF-Connecting-IP": ip } });

  it("an IP presenting refused key after refused key is stopped, even with a good key", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner);
    const prober = randomClientIp();
    const { limited } = await hammerUntilLimited(LIMITS.apiKeyFailureIp, (i) =>
      whoAmI(`sk_test_${"1".repeat(33)}${String(i).padStart(6, "1")}`, prober),
    );
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(await limited.json()).toMatchObject({ error: "rate_limited" });

    expect((await whoAmI(key, prober)).status).toBe(429);
    expect((await whoAmI(key, randomClientIp())).status).toBe(200);
  });

  it("a busy integration with a good key is never slowed down: only refusals count", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner);
    const server = randomClientIp();
    for (let i = 0; i < 2 * LIMITS.apiKeyFailureIp + 1; i++) {
      const res = await whoAmI(key, server);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  });
});
