import { AppError } from "../../errors";
import { listTenantOriginLists } from "../../storage/tenant-settings";
import type { Deps } from "../deps";
import type { ProjectTenant } from "./project-key";

/**
 * Which browser origins may call `/v2/*` (CORS, SPEC §2.3): a tenant's own `allowedOrigins`, or
 * `PERS_CORS_ALLOWED_ORIGINS` for a tenant that set none.
 *
 * A preflight carries no project key, so it cannot name its tenant: it is answered for an origin
 * that the global default or any tenant allows. The request that follows names its tenant and is
 * judged by that tenant's list alone.
 *
 * Every tenant's own list is read from D1 in one query and kept in this isolate for
 * `ORIGIN_LISTS_CACHE_SECONDS`, so a browser's refresh, exchange or verify adds no D1 read while
 * warm, and a request without `Origin` (a server) never reads it at all. Hence a list saved
 * elsewhere takes effect here within that bound (at once in the isolate that saved it). Memory:
 * one copy of the tenants' own lists (at most 20 origins each, see the admin API); a deployment
 * with very many tenants with lists of their own would want an index by origin instead.
 */
export const ORIGIN_LISTS_CACHE_SECONDS = 60;

interface OriginLists {
  /** The list of each tenant that set one. */
  byTenant: ReadonlyMap<number, readonly string[]>;
  /** Every origin on some tenant's own list. */
  anyTenant: ReadonlySet<string>;
  freshUntil: number;
}

let cached: OriginLists | undefined;

async function originLists(deps: Deps): Promise<OriginLists> {
  const nowMs = deps.now.getTime();
  if (cached && cached.freshUntil > nowMs) return cached;
  const lists = await listTenantOriginLists(deps.db);
  cached = {
    byTenant: new Map(lists.map((list) => [list.tenantId, list.allowedOrigins])),
    anyTenant: new Set(lists.flatMap((list) => list.allowedOrigins)),
    freshUntil: nowMs + ORIGIN_LISTS_CACHE_SECONDS * 1000,
  };
  return cached;
}

/** Drops this isolate's copy (after a tenant's settings changed here). */
export function forgetTenantOriginLists(): void {
  cached = undefined;
}

/** May a page on `origin` call PERS for this tenant? */
export async function tenantAllowsOrigin(deps: Deps, tenantId: number, origin: string): Promise<boolean> {
  const own = (await originLists(deps)).byTenant.get(tenantId);
  return (own ?? deps.config.persCorsAllowedOrigins).includes(origin);
}

/** May a page on `origin` call PERS for some tenant? What a preflight, which names none, is answered by. */
export async function someTenantAllowsOrigin(deps: Deps, origin: string): Promise<boolean> {
  if (deps.config.persCorsAllowedOrigins.includes(origin)) return true;
  return (await originLists(deps)).anyTenant.has(origin);
}

/**
 * Refuses (403, before anything is exchanged, rotated or verified) a request sent from a page the
 * tenant does not allow, so such a page cannot spend a refresh token even where CORS would keep it
 * from reading the answer. A request without `Origin` comes from a server and is not judged: a
 * server can claim any origin, so this guards browsers, not secrets.
 */
export async function refuseForeignOrigin(
  deps: Deps,
  tenant: ProjectTenant,
  origin: string | undefined,
): Promise<void> {
  if (origin === undefined || (await tenantAllowsOrigin(deps, tenant.tenantId, origin))) return;
  throw new AppError("insufficient_permission", {
    reason: "origin_not_allowed",
    detail: `Origin not allowed for tenant ${tenant.tenantPublicId}`,
  });
}
