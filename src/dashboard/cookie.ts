import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { DASHBOARD_SESSION_TTL_SECONDS } from "../services/sessions/dashboard-sessions";

/**
 * The dashboard's own cookie, sent only to `/dashboard` (Path) and never on any cross-site request
 * (SameSite=Strict); HttpOnly so page scripts never see it. It is not `session_token`: the gateway
 * and PingPage never receive it, and its session kind would refuse it there anyway.
 */
export const DASHBOARD_COOKIE_NAME = "gatehouse_dashboard";
const ATTRIBUTES = { path: "/dashboard", httpOnly: true, secure: true, sameSite: "Strict" } as const;

export function dashboardCookieOf(c: Context): string | undefined {
  return getCookie(c, DASHBOARD_COOKIE_NAME);
}

export function setDashboardCookie(c: Context, value: string): void {
  setCookie(c, DASHBOARD_COOKIE_NAME, value, { ...ATTRIBUTES, maxAge: DASHBOARD_SESSION_TTL_SECONDS });
}

export function clearDashboardCookie(c: Context): void {
  deleteCookie(c, DASHBOARD_COOKIE_NAME, ATTRIBUTES);
}
