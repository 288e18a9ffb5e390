import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "./context";
import { CREDENTIAL_HEADERS } from "./credential-headers";

/** Far above any legitimate credential (a token is at most 4 KiB), far below what costs anything. */
export const MAX_CREDENTIAL_HEADER_BYTES = 8 * 1024;

/**
 * Refuses a request whose credential headers together exceed `MAX_CREDENTIAL_HEADER_BYTES` with
 * 431 (RFC 6585 §5) before any of them is parsed, verified or looked up. Cloudflare caps the whole
 * header block (about 128 KB); this bounds what our own parsers are ever handed.
 */
export const credentialHeaderLimit = createMiddleware<AppEnv>(async (c, next) => {
  let total = 0;
  for (const name of CREDENTIAL_HEADERS) {
    const value = c.req.raw.headers.get(name);
    // Header values are byte strings (each character one byte on the wire), so length is size.
    if (value !== null) total += value.length;
  }
  if (total > MAX_CREDENTIAL_HEADER_BYTES) {
    throw new AppError("request_header_too_large", { detail: `credential headers of ${total} bytes` });
  }
  await next();
});
