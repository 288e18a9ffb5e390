import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { DEVICE_TOKEN_TTL_SECONDS } from "../services/auth/device-tokens";
import { DASHBOARD_SESSION_TTL_SECONDS } from "../services/sessions/dashboard-sessions";

/**
 * The dashboard's own cookie, sent only to `/dashboard` (Path) and never on any cross-site request
 * (SameSite=Strict); HttpOnly so page scripts never see it. It is not `session_token`: the gateway
 * and PingPage never receive it, and its session kind would refuse it there anyway.
 */
export const DASHBOARD_COOKIE_NAME = "gatehouse_dashboard";
const ATTRIBUTES = { path: "/dashboard", httpOnly: true, secure: true, sameSite: "Strict" } as const;

/**
 * The dashboard's device token (services/auth/device-tokens.ts), the same token the API logins set
 * in `gatehouse_device` but a cookie of its own: one cookie cannot have both login paths, and a
 * wider path would send it to every gateway route and so to the origins. Sent only to the sign-in
 * route that reads it, never cross-site, never to page scripts; it outlives sign-out, as a device
 * cookie must, and proves nothing but a past sign-in: the password is checked as always.
 */
export const DASHBOARD_DEVICE_COOKIE_NAME = "gatehouse_dashboard_device";
const DEVICE_ATTRIBUTES = {
  path: "/dashboard/sign-in",
  httpOnly: true,
  secure: true,
  sameSite: "Strict",
  maxAge: DEVICE_TOKEN_TTL_SECONDS,
} as const;

export function dashboardCookieOf(c: Context): string | undefined {
  return getCookie(c, DASHBOARD_COOKIE_NAME);
}

/**
 * The cookie outlives its session by a day, so that a visit after the session ran out still sends
 * it and is told the session ended (instead of a bare sign-in page); it proves nothing by then.
 */
const COOKIE_OUTLIVES_SESSION_SECONDS = 86_400;

export function setDashboardCookie(c: Context, value: string): void {
  setCookie(c, DASHBOARD_COOKIE_NAME, value, {
    ...ATTRIBUTES,
    maxAge: DASHBOARD_SESSION_TTL_SECONDS + COOKIE_OUTLIVES_SESSION_SECONDS,
  });
}

export function clearDashboardCookie(c: Context): void {
  deleteCookie(c, DASHBOARD_COOKIE_NAME, ATTRIBUTES);
}

export function dashboardDeviceTokenOf(c: Context): string | undefined {
  return getCookie(c, DASHBOARD_DEVICE_COOKIE_NAME);
}

/** `gatehouse_dashboard_device=…; Max-Age=7776000; Path=/dashboard/sign-in; HttpOnly; Secure; SameSite=Strict` */
export function setDashboardDeviceCookie(c: Context, token: string): void {
  setCookie(c, DASHBOARD_DEVICE_COOKIE_NAME, token, DEVICE_ATTRIBUTES);
}
