import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "./context";
import { CREDENTIAL_HEADERS } from "./credential-headers";

/** Far above any legitimate credential (a token is at most 4 KiB), far below what costs anything. */
export const MAX_CREDENTIAL_HEADER_BYTES = 8 * 1024;
/**
 * One header's name and value. nginx's default line buffer, and twice what a browser lets one
 * cookie hold (4 KiB); Cloudflare's edge allows 16 KB per header.
 */
export const MAX_HEADER_BYTES = 8 * 1024;
/** Every header together: a quarter of Cloudflare's 128 KB, room for a full browser cookie jar. */
export const MAX_TOTAL_HEADER_BYTES = 32 * 1024;

const CREDENTIAL_NAMES: ReadonlySet<string> = new Set(CREDENTIAL_HEADERS);

/** Why `headers` are too large to handle, or null. Header values are byte strings, so length is size. */
export function oversizedHeaders(headers: Headers): string | null {
  let total = 0;
  let credentials = 0;
  for (const [name, value] of headers) {
    const size = name.length + value.length;
    if (size > MAX_HEADER_BYTES) return `header ${name} of ${size} bytes`;
    total += size;
    if (CREDENTIAL_NAMES.has(name)) credentials += value.length;
  }
  if (total > MAX_TOTAL_HEADER_BYTES) return `headers of ${total} bytes`;
  if (credentials > MAX_CREDENTIAL_HEADER_BYTES) return `credential headers of ${credentials} bytes`;
  return null;
}

/**
 * Refuses a request whose headers exceed a bound above with 431 (RFC 6585 §5), in the route's
 * dialect, before any of them is parsed, verified, looked up or forwarded to an origin.
 */
export const headerLimits = createMiddleware<AppEnv>(async (c, next) => {
  const problem = oversizedHeaders(c.req.raw.headers);
  if (problem !== null) throw new AppError("request_header_too_large", { detail: problem });
  await next();
});
