import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";
import type { AppEnv } from "../http/context";
import { judgeCrossSiteRequest } from "../services/auth/cross-site";

export interface CsrfOptions {
  /** Requests this returns true for are not checked (e.g. the token flow sharing a path). */
  skip?: (c: Context<AppEnv>) => boolean;
}

/** Refuses cross-site state-changing requests on cookie-authenticated routes (403). */
export function csrfProtection(options: CsrfOptions = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!options.skip?.(c)) {
      const verdict = judgeCrossSiteRequest({
        method: c.req.method,
        secFetchSite: c.req.header("sec-fetch-site"),
        origin: c.req.header("origin"),
        ownOrigin: new URL(c.req.url).origin,
        allowedOrigins: c.get("deps").config.corsAllowedOrigins,
      });
      if (!verdict.allowed) throw new AppError("cross_site_request", { detail: verdict.reason });
    }
    await next();
  });
}
