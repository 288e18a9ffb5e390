import { Hono } from "hono";
import { AppError } from "../../errors";
import { clientInfo } from "../../http/client-info";
import type { AppEnv } from "../../http/context";
import { credentialsSchema } from "../../http/schemas/ping";
import { rateLimit } from "../../middleware/rate-limit";
import { issueDeviceToken } from "../../services/auth/device-tokens";
import { signInToDashboard, signOutOfDashboard } from "../../services/sessions/dashboard-sessions";
import {
  clearDashboardCookie,
  dashboardCookieOf,
  dashboardDeviceTokenOf,
  setDashboardCookie,
  setDashboardDeviceCookie,
} from "../cookie";
import { fieldErrorsOf } from "../field-errors";
import { readForm } from "../form-body";
import { sameOriginOnly } from "../middleware";
import { renderPublicPage } from "../render";
import { SignInForm } from "../views/sign-in";

const NOTICES: Record<string, string> = {
  "signed-out": "You are signed out.",
  expired: "Your session has ended. Sign in again.",
};

/** Sign-in and sign-out: the only dashboard routes a signed-out visitor reaches. */
export const signInRoutes = new Hono<AppEnv>()
  .get("/dashboard/sign-in", (c) =>
    renderPublicPage(c, "Sign in", <SignInForm email="" errors={{}} notice={NOTICES[c.req.query("notice") ?? ""]} />),
  )
  // Login CSRF is the Origin / Fetch-Metadata check; every attempt counts against the IP first,
  // as on /v1/auth/login, and the per-account limits follow in the password check.
  .post("/dashboard/sign-in", sameOriginOnly, rateLimit("login_ip"), async (c) => {
    const form = await readForm(c);
    const parsed = credentialsSchema.safeParse({
      email: form.get("email"),
      password: form.all("password").at(-1) ?? "",
    });
    if (!parsed.success) {
      const errors = fieldErrorsOf(parsed.error.issues);
      return renderPublicPage(c, "Sign in", <SignInForm email={form.get("email")} errors={errors} />, 400);
    }
    const deps = c.get("deps");
    try {
      const { user, cookieValue } = await signInToDashboard(deps, {
        ...parsed.data,
        client: clientInfo(c.req),
        deviceToken: dashboardDeviceTokenOf(c),
      });
      setDashboardCookie(c, cookieValue);
      setDashboardDeviceCookie(c, await issueDeviceToken(deps, user.publicId));
      return c.redirect("/dashboard/businesses", 303);
    } catch (err) {
      if (err instanceof AppError && err.code === "rate_limited") {
        // The form stays, with the email typed: the person comes back to it once the wait is over.
        const wait = err.options.retryAfterSeconds ?? 60;
        c.header("Retry-After", String(wait));
        const errors = { _form: `Too many sign-in attempts for this account. Try again in ${wait} seconds.` };
        return renderPublicPage(c, "Sign in", <SignInForm email={form.get("email")} errors={errors} />, 429);
      }
      if (!(err instanceof AppError) || err.code !== "invalid_credentials") throw err;
      const errors = { _form: "That email and password do not match an active account." };
      return renderPublicPage(c, "Sign in", <SignInForm email={form.get("email")} errors={errors} />, 401);
    }
  })
  // No form token needed: a form shown before the latest sign-in (another tab) must still sign out
  // the session the browser holds now. Another site cannot: the cookie is SameSite=Strict, and
  // sameOriginOnly refuses what the browser says another site started.
  .post("/dashboard/sign-out", sameOriginOnly, async (c) => {
    const cookie = dashboardCookieOf(c);
    if (cookie) await signOutOfDashboard(c.get("deps"), cookie, clientInfo(c.req));
    clearDashboardCookie(c);
    return c.redirect("/dashboard/sign-in?notice=signed-out", 303);
  });
