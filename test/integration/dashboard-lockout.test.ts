import { describe, expect, it } from "vitest";
import { createUser, type TestUser } from "../support/accounts";
import { randomClientIp } from "../support/client-ip";
import { DASHBOARD_COOKIE, postForm, signInToDashboard } from "../support/dashboard";
import { deviceTokensThatMustNotHelp } from "../support/device-tokens";
import { hammerUntilLimited, LIMITS } from "../support/rate-limits";
import { send, sendJson } from "../support/worker";

/**
 * The dashboard's sign-in takes part in the lockout defence of the API logins: strangers guessing
 * an admin's password from many addresses use up the account-wide failure limit, and the browser
 * the admin signed in with before is judged by its own device limit instead.
 */

const DEVICE_COOKIE = "gatehouse_dashboard_device";

/** The sign-in form posted from `ip`, by a browser holding `device` (its device cookie) if given. */
function signIn(email: string, password: string, ip: string, device?: string) {
  const headers: Record<string, string> = { "CF-Connecting-IP": ip };
  if (device !== undefined) headers.Cookie = `${DEVICE_COOKIE}=${device}`;
  return postForm("/dashboard/sign-in", { email, password }, headers);
}

function deviceSetCookie(res: Response): string | undefined {
  return res.headers.getSetCookie().find((line) => line.startsWith(`${DEVICE_COOKIE}=`));
}

function deviceTokenOf(res: Response): string {
  const value = deviceSetCookie(res)
    ?.slice(DEVICE_COOKIE.length + 1)
    .split(";")[0];
  if (!value) throw new Error(`no ${DEVICE_COOKIE} cookie in ${res.status} response`);
  return value;
}

function expectSignedIn(res: Response): void {
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/dashboard/businesses");
  expect(res.headers.getSetCookie().some((line) => line.startsWith(`${DASHBOARD_COOKIE}=`))).toBe(true);
}

/**
 * The dashboard's answer to a limited sign-in: the form again, the email kept, the wait in words and
 * in `Retry-After`, and no cookie of any kind.
 */
async function expectTooManyAttempts(res: Response, email: string): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get("Retry-After")).toBe("60");
  expect(res.headers.get("content-type")).toContain("text/html");
  const page = await res.text();
  expect(page).toContain("Too many sign-in attempts for this account. Try again in 60 seconds.");
  expect(page).toContain(`value="${email}"`);
  expect(page).toContain('name="password"');
  expect(res.headers.getSetCookie()).toEqual([]);
}

/** The owner signs in once from the browser they always use, which keeps the device cookie. */
async function ownerBrowser(owner: TestUser): Promise<string> {
  const res = await signIn(owner.email, owner.password, randomClientIp());
  expectSignedIn(res);
  return deviceTokenOf(res);
}

/** One wrong guess per address, through the sign-in form, until the account-wide limit answers 429. */
function distributedAttack(victim: TestUser) {
  return hammerUntilLimited(LIMITS.loginAccount, (i) => signIn(victim.email, `guess-${i}`, randomClientIp()));
}

describe("the dashboard's device cookie", () => {
  it.each(["user", "adminuser", "agent"] as const)(
    "a %s's sign-in sets it: HttpOnly, Secure, SameSite=Strict, 90 days, for the sign-in route only",
    async (userType) => {
      const account = await createUser({ userType });
      const res = await signIn(account.email, account.password, randomClientIp());
      expectSignedIn(res);
      expect(deviceSetCookie(res)).toMatch(
        /^gatehouse_dashboard_device=d1\.[^;]+; Max-Age=7776000; Path=\/dashboard\/sign-in; HttpOnly; Secure; SameSite=Strict$/,
      );
      expect(deviceTokenOf(res).split(".")[1]).toBe(account.publicId);
      // Not the API logins' cookie, whose path the browser would never send to the dashboard.
      expect(res.headers.getSetCookie().some((line) => line.startsWith("gatehouse_device="))).toBe(false);
    },
  );

  it("a refused sign-in sets none, and signing out leaves it with the browser", async () => {
    const owner = await createUser();
    const refused = await signIn(owner.email, "not-the-password", randomClientIp());
    expect(refused.status).toBe(401);
    expect(refused.headers.getSetCookie()).toEqual([]);

    const visitor = await signInToDashboard(owner.email, owner.password);
    const out = await visitor.post("/dashboard/sign-out");
    expect(out.status).toBe(303);
    expect(deviceSetCookie(out)).toBeUndefined();
  });

  it("every sign-in renews it with a new device", async () => {
    const owner = await createUser();
    const first = await ownerBrowser(owner);
    const res = await signIn(owner.email, owner.password, randomClientIp(), first);
    expectSignedIn(res);
    const renewed = deviceTokenOf(res);
    expect(renewed).not.toBe(first);
    expect(renewed.split(".")[2]).not.toBe(first.split(".")[2]);
  });

  it("opens nothing by itself: it is no dashboard session, and the sign-in still needs the password", async () => {
    const owner = await createUser();
    const device = await ownerBrowser(owner);
    const page = await send("/dashboard/businesses", {
      headers: { Cookie: `${DASHBOARD_COOKIE}=${device}; ${DEVICE_COOKIE}=${device}` },
      redirect: "manual",
    });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/dashboard/sign-in?notice=expired");
    const wrong = await signIn(owner.email, "not-the-password", randomClientIp(), device);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const empty = await signIn(owner.email, "", randomClientIp(), device);
    expect(empty.status).toBe(400);
    expect(empty.headers.getSetCookie()).toEqual([]);
  });
});

describe("a distributed attack on an admin's dashboard sign-in", () => {
  it("the admin's own browser still signs in; a browser without the device cookie gets 429", async () => {
    const admin = await createUser({ userType: "adminuser" });
    const device = await ownerBrowser(admin);
    const { limited } = await distributedAttack(admin);
    await expectTooManyAttempts(limited, admin.email);

    await expectTooManyAttempts(await signIn(admin.email, admin.password, randomClientIp()), admin.email);
    const res = await signIn(admin.email, admin.password, randomClientIp(), device);
    expectSignedIn(res);
    // Renewed, and the renewed token is as good for the next sign-in.
    expectSignedIn(await signIn(admin.email, admin.password, randomClientIp(), deviceTokenOf(res)));
  });

  it("the account's budget is one for every flow: guesses at the API lock new browsers out of the dashboard too", async () => {
    const admin = await createUser({ userType: "adminuser" });
    const device = await ownerBrowser(admin);
    await hammerUntilLimited(LIMITS.loginAccount, (i) =>
      sendJson(
        "/v1/auth/login",
        "POST",
        { email: admin.email, password: `guess-${i}` },
        { "User-Type": "adminuser", "CF-Connecting-IP": randomClientIp() },
      ),
    );
    await expectTooManyAttempts(await signIn(admin.email, admin.password, randomClientIp()), admin.email);
    expectSignedIn(await signIn(admin.email, admin.password, randomClientIp(), device));
  });

  it("a forged, altered, expired, future-dated or other account's device cookie gets no bypass", async () => {
    const owner = await createUser({ userType: "adminuser" });
    const other = await createUser({ userType: "adminuser" });
    const device = await ownerBrowser(owner);
    const othersDevice = await ownerBrowser(other);
    const tokens = await deviceTokensThatMustNotHelp(owner.publicId, device, {
      publicId: other.publicId,
      device: othersDevice,
    });
    await distributedAttack(owner);

    for (const token of tokens) {
      const res = await signIn(owner.email, owner.password, randomClientIp(), token);
      expect(res.status, token).toBe(429);
      expect(res.headers.getSetCookie(), token).toEqual([]);
      await res.arrayBuffer();
    }
    // The API logins' cookie name is not read here: only the dashboard's own device cookie counts.
    const underApiName = await postForm(
      "/dashboard/sign-in",
      { email: owner.email, password: owner.password },
      { "CF-Connecting-IP": randomClientIp(), Cookie: `gatehouse_device=${device}` },
    );
    expect(underApiName.status).toBe(429);
    await underApiName.arrayBuffer();
    expectSignedIn(await signIn(owner.email, owner.password, randomClientIp(), device));
  });

  it("a guesser holding a stolen device cookie is stopped by that device's own limit", async () => {
    const owner = await createUser({ userType: "adminuser" });
    const stolen = await ownerBrowser(owner);
    const laptop = await ownerBrowser(owner);
    const { limited } = await hammerUntilLimited(LIMITS.loginDevice, (i) =>
      signIn(owner.email, `guess-${i}`, randomClientIp(), stolen),
    );
    await expectTooManyAttempts(limited, owner.email);
    // Now even the right password from that device waits out the window.
    await expectTooManyAttempts(await signIn(owner.email, owner.password, randomClientIp(), stolen), owner.email);
    expectSignedIn(await signIn(owner.email, owner.password, randomClientIp(), laptop));
    // The device's failures did not touch the account-wide budget: a new browser still gets in.
    expectSignedIn(await signIn(owner.email, owner.password, randomClientIp()));
  });
});

describe("a device cookie is no way in", () => {
  it("a disabled account is refused with its device cookie and the right password, during an attack too", async () => {
    const account = await createUser({ userType: "adminuser" });
    const device = await ownerBrowser(account);
    const admin = await createUser({ userType: "adminuser" });
    const staff = await signInToDashboard(admin.email, admin.password);
    expect((await staff.post(`/dashboard/admin/users/${account.publicId}/disable`)).status).toBe(303);

    const before = await signIn(account.email, account.password, randomClientIp(), device);
    expect(before.status).toBe(401);
    expect(before.headers.getSetCookie()).toEqual([]);
    await distributedAttack(account);
    const during = await signIn(account.email, account.password, randomClientIp(), device);
    expect(during.status).toBe(401);
    expect(await during.text()).toContain("That email and password do not match an active account.");
    expect(during.headers.getSetCookie()).toEqual([]);
  });

  it("after signing out everywhere, the browser keeps only the device cookie, which opens no page", async () => {
    const owner = await createUser({ userType: "adminuser" });
    const first = await signIn(owner.email, owner.password, randomClientIp());
    expectSignedIn(first);
    const device = deviceTokenOf(first);
    const firstSession = first.headers
      .getSetCookie()
      .find((line) => line.startsWith(`${DASHBOARD_COOKIE}=`))
      ?.split(";")[0];
    const visitor = await signInToDashboard(owner.email, owner.password);
    const everywhere = await visitor.post("/dashboard/sessions/everywhere");
    expect(everywhere.status).toBe(303);
    expect((await visitor.get("/dashboard/businesses")).headers.get("location")).toBe(
      "/dashboard/sign-in?notice=expired",
    );
    const page = await send("/dashboard/businesses", {
      headers: { Cookie: `${firstSession}; ${DEVICE_COOKIE}=${device}` },
      redirect: "manual",
    });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/dashboard/sign-in?notice=expired");
    // Signing in again is a sign-in like any other: the password, then a new session.
    expectSignedIn(await signIn(owner.email, owner.password, randomClientIp(), device));
  });
});
