import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { parse as parseCookieHeader } from "hono/utils/cookie";
import { CACHE_BUDGET_BYTES, ENTRY_OVERHEAD_BYTES, stringBytes } from "../isolate-memory";
import { LruCache } from "../lru-cache";
import { COOKIE_SESSION_TTL_SECONDS } from "../services/sessions/cookie-sessions";
import { cookieSiteOf } from "./cookie-site";

/** PingPage clients depend on this exact name. */
export const SESSION_COOKIE_NAME = "session_token";

/**
 * HttpOnly: page scripts never see it. Secure: never sent over plain http (browsers and curl
 * exempt localhost). SameSite=Lax: not sent on cross-site subrequests; the CSRF check covers
 * the rest (same-site sibling hosts, old browsers). A page on a configured origin of another host
 * gets `SameSite=None; Partitioned` instead (`cookieSiteOf`).
 */
function cookieAttributes(c: Context) {
  return { path: "/", httpOnly: true, secure: true, ...cookieSiteOf(c) };
}

/** Cookie headers longer than this are parsed every time rather than remembered. */
const MAX_REMEMBERED_COOKIE_HEADER = 1_024;
const sessionCookieByHeader = new LruCache<string, string>({
  maxBytes: CACHE_BUDGET_BYTES.sessionCookieHeaders,
  sizeOf: (header, value) => ENTRY_OVERHEAD_BYTES + stringBytes(header) + stringBytes(value),
});

/**
 * The session cookie's value in a `Cookie` header, as Hono's cookie parser reads it: the one
 * reading of it, for Gatehouse's own routes and the gateway (`http/credential-headers.ts`). A browser
 * sends the same header again and again, so the answer is remembered per isolate for headers that
 * carry a session cookie, up to 1 KiB each, within the cache's share of the isolate's memory; whether the value opens a
 * session is still decided on every request.
 */
export function sessionCookieOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const known = sessionCookieByHeader.get(header);
  if (known !== undefined) return known;
  const value = parseCookieHeader(header, SESSION_COOKIE_NAME)[SESSION_COOKIE_NAME];
  if (value !== undefined && header.length <= MAX_REMEMBERED_COOKIE_HEADER) sessionCookieByHeader.set(header, value);
  return value;
}

/** `session_token=…; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax` */
export function setSessionCookie(c: Context, value: string): void {
  setCookie(c, SESSION_COOKIE_NAME, value, { ...cookieAttributes(c), maxAge: COOKIE_SESSION_TTL_SECONDS });
}

/**
 * `session_token=; Max-Age=0; …`: the browser drops the cookie. The attributes are those a login
 * from the same page got, so a partitioned cookie is cleared in its partition.
 */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE_NAME, cookieAttributes(c));
}
