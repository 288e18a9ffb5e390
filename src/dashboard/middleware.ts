import { createMiddleware } from "hono/factory";
import { randomToken } from "../crypto/random";
import { AppError } from "../errors";
import type { AppEnv } from "../http/context";
import { judgeCrossSiteRequest } from "../services/auth/cross-site";
import { authenticateDashboardSession } from "../services/sessions/dashboard-sessions";
import type { DashboardEnv } from "./context";
import { dashboardCookieOf } from "./cookie";
import { readForm } from "./form-body";
import { formTokenFor, isFormTokenValid } from "./form-token";

/** A fresh CSP nonce per response: the page's inline style and script carry it. */
export const pageNonce = createMiddleware<AppEnv>(async (c, next) => {
  c.set("pageNonce", randomToken(16));
  await next();
});

/**
 * Refuses a state-changing request another site started, by the browser's own account (Origin,
 * Fetch Metadata), with the same judgement as the JSON APIs' CSRF check, except that no other
 * origin is trusted: only the dashboard's own pages post to it.
 */
export const sameOriginOnly = createMiddleware<AppEnv>(async (c, next) => {
  const verdict = judgeCrossSiteRequest({
    method: c.req.method,
    secFetchSite: c.req.header("sec-fetch-site"),
    origin: c.req.header("origin"),
    ownOrigin: new URL(c.req.url).origin,
    allowedOrigins: [],
  });
  if (!verdict.allowed) throw new AppError("cross_site_request", { detail: verdict.reason });
  await next();
});

/**
 * A signed-in page: the dashboard cookie must prove a live dashboard session (else the error
 * handler sends the browser to sign-in), and a POST must carry the form token of that session.
 */
export const signedIn = createMiddleware<DashboardEnv>(async (c, next) => {
  const cookie = dashboardCookieOf(c);
  c.set("principal", await authenticateDashboardSession(c.get("deps"), cookie));
  const token = await formTokenFor(cookie ?? "");
  c.set("formToken", token);
  if (c.req.method === "POST") {
    const form = await readForm(c);
    if (!(await isFormTokenValid(cookie ?? "", form.get("_csrf")))) {
      // The request came from our own page (sameOriginOnly ran first): the form is stale, from
      // before the session it was shown in was replaced, not another site's.
      throw new AppError("cross_site_request", {
        publicMessage:
          "This form is out of date (you signed in again, or out, since it was shown). Reload the page and try again.",
        detail: "dashboard form token missing or wrong",
      });
    }
    c.set("form", form);
  }
  await next();
});

/** Administration pages: `adminuser` only, the rule of the admin API's `adminOnly` guard. */
export const adminPagesOnly = createMiddleware<DashboardEnv>(async (c, next) => {
  if (c.get("principal").userType !== "adminuser") {
    throw new AppError("insufficient_permission", {
      publicMessage: "This page is for admin users.",
      detail: "dashboard admin page, not an admin user",
    });
  }
  await next();
});
