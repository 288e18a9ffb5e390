import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context";

/** Nothing Gatehouse writes is a page: no script, style, frame or resource may load from it. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * A dashboard page: its own inline style and script, only with this response's nonce; images
 * only inline (the usage chart is inline SVG); forms post only back to Gatehouse; never framed.
 */
export function pageContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Request headers that change who is answered, and so what: a shared cache must never hand one
 * caller's response to another (defence in depth; such responses are `no-store` anyway).
 */
export const CREDENTIAL_VARY = ["Origin", "Cookie", "Authorization", "User-Type", "X-Ping-Api-Key"];

function mergeVary(existing: string | null, additions: readonly string[]): string {
  const names = (existing ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const seen = new Set(names.map((name) => name.toLowerCase()));
  for (const name of additions) {
    if (!seen.has(name.toLowerCase())) {
      names.push(name);
      seen.add(name.toLowerCase());
    }
  }
  return names.join(", ");
}

/**
 * Headers for every response Gatehouse writes itself. A response the route made cacheable on
 * purpose (the JWKS) is public and the same for everyone; everything else may carry a token or
 * identity, so it is `no-store` and varies on the credentials. A response proxied from an upstream
 * (`c.get("forwarded")`) is the origin's to describe and passes untouched.
 */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  // An origin's response through the gateway is the origin's to shape.
  if (c.get("forwarded")) return;
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  // A page sets its own policy: the dashboard's carries a nonce, the API reference its own.
  const nonce = c.get("pageNonce");
  if (!c.res.headers.has("Content-Security-Policy")) {
    c.header("Content-Security-Policy", nonce ? pageContentSecurityPolicy(nonce) : CONTENT_SECURITY_POLICY);
  }
  const cacheControl = c.res.headers.get("Cache-Control");
  if (cacheControl === null) c.header("Cache-Control", "no-store");
  if (!cacheControl?.includes("public")) c.header("Vary", mergeVary(c.res.headers.get("Vary"), CREDENTIAL_VARY));
});
