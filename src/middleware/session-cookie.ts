import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { COOKIE_SESSION_TTL_SECONDS } from "../services/cookie-sessions";

/** PingPage clients depend on this exact name. */
export const SESSION_COOKIE_NAME = "session_token";

/**
 * HttpOnly: page scripts never see it. Secure: never sent over plain http (browsers and curl
 * exempt localhost). SameSite=Lax: not sent on cross-site subrequests; the CSRF check covers
 * the rest (same-site sibling hosts, old browsers).
 */
const COOKIE_ATTRIBUTES = { path: "/", httpOnly: true, secure: true, sameSite: "Lax" } as const;

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE_NAME);
}

/** `session_token=…; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax` */
export function setSessionCookie(c: Context, value: string): void {
  setCookie(c, SESSION_COOKIE_NAME, value, { ...COOKIE_ATTRIBUTES, maxAge: COOKIE_SESSION_TTL_SECONDS });
}

/** `session_token=; Max-Age=0; …`: the browser drops the cookie. */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE_NAME, COOKIE_ATTRIBUTES);
}
