import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { DEVICE_TOKEN_TTL_SECONDS } from "../services/auth/device-tokens";
import { cookieSiteOf } from "./cookie-site";
import { DEVICE_TOKEN_HEADER } from "./credential-headers";

/** The device token's cookie: browsers and any client with a cookie jar send it back by themselves. */
export const DEVICE_COOKIE_NAME = "gatehouse_device";

/**
 * HttpOnly and Secure like the session cookie, with its `SameSite` (`cookieSiteOf`), so a
 * dashboard on a configured origin gets it back. Path limits it to the one route that reads it.
 */
const DEVICE_COOKIE_ATTRIBUTES = {
  path: "/v1/auth/login",
  httpOnly: true,
  secure: true,
  maxAge: DEVICE_TOKEN_TTL_SECONDS,
} as const;

/** The device token a login presents: the header if sent, else the cookie (Hono's parser). */
export function presentedDeviceToken(c: Context): string | undefined {
  return c.req.header(DEVICE_TOKEN_HEADER) ?? getCookie(c, DEVICE_COOKIE_NAME);
}

/** `gatehouse_device=…; Max-Age=7776000; Path=/v1/auth/login; HttpOnly; Secure; SameSite=Lax` */
export function setDeviceCookie(c: Context, token: string): void {
  setCookie(c, DEVICE_COOKIE_NAME, token, { ...DEVICE_COOKIE_ATTRIBUTES, ...cookieSiteOf(c) });
}
