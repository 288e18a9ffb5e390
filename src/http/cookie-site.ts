import type { Context } from "hono";
import type { AppEnv } from "./context";

/**
 * The `SameSite` a cookie needs to come back from the page that asked for it. A request from the
 * gateway's own host (or with no `Origin`: curl, servers, a top-level form) gets `Lax`. A page on
 * another host whose origin is configured (`CORS_ALLOWED_ORIGINS`: another site, as far as the
 * browser may tell) would never see a `Lax` cookie again: it gets `SameSite=None; Partitioned`, so
 * the browser keeps the cookie in that site's partition (CHIPS) and sends it only to requests made
 * under it, and third-party cookie blocking leaves it alone. Any other origin gets `Lax`: a
 * browser's cross-site request from it never gets this far (CORS and the CSRF check), so only a
 * client that is no browser, or says the request is same-origin, could send one. The public
 * suffix list is not consulted: two hosts under one registrable domain also get the partitioned
 * cookie, which works for them just the same.
 */
export type CookieSiteAttributes =
  | { sameSite: "Lax"; partitioned?: undefined }
  | { sameSite: "None"; partitioned: true };

const SAME_SITE: CookieSiteAttributes = { sameSite: "Lax" };
const PARTITIONED: CookieSiteAttributes = { sameSite: "None", partitioned: true };

export function cookieSiteAttributes(
  origin: string | undefined,
  requestUrl: string,
  allowedOrigins: readonly string[],
): CookieSiteAttributes {
  // Configured origins are exact origins (checked at start-up), so one found here parses.
  if (origin === undefined || !allowedOrigins.includes(origin)) return SAME_SITE;
  const page = new URL(origin);
  const own = new URL(requestUrl);
  return page.hostname === own.hostname && page.protocol === own.protocol ? SAME_SITE : PARTITIONED;
}

/** `cookieSiteAttributes` for the request being answered. */
export function cookieSiteOf(c: Context<AppEnv>): CookieSiteAttributes {
  return cookieSiteAttributes(c.req.header("origin"), c.req.url, c.get("deps").config.corsAllowedOrigins);
}
