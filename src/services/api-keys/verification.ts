import type { ApiKeyPrincipal, ApiKeyRequirements } from "../../domain";
import { AppError } from "../../errors";
import type { ApiKeyRecord } from "../../storage/api-keys";
import type { Deps } from "../deps";
import { findApiKey } from "./key-lookup";
import { recordApiKeyUse } from "./usage";

/** Public, machine-readable reasons a key is refused (sent as `reason` with a 401). */
export type ApiKeyRefusal = "invalid_format" | "not_found" | "revoked" | "expired";

function refuse(reason: ApiKeyRefusal): AppError {
  return new AppError("invalid_api_key", { reason, detail: `api key ${reason}`, challenge: "api_key" });
}

/**
 * Why a known key may not be used at `nowMs`, or null if it may. A rolled key is revoked once its
 * grace ends; every key of a suspended business counts as revoked (within the cache lifetime).
 */
export function refusalOf(
  record: Pick<ApiKeyRecord, "revokedAt" | "graceUntil" | "expiresAt"> & { businessSuspended?: boolean },
  nowMs: number,
): "revoked" | "expired" | null {
  if (record.revokedAt !== null || record.businessSuspended) return "revoked";
  if (record.graceUntil !== null && nowMs >= record.graceUntil) return "revoked";
  if (record.expiresAt !== null && nowMs >= record.expiresAt) return "expired";
  return null;
}

/** The usable key record behind a presented key, or the 401 that says why there is none. */
export async function verifyApiKey(deps: Deps, presented: string): Promise<ApiKeyRecord> {
  const known = await findApiKey(deps, presented);
  if (!known) throw refuse("invalid_format");

  const { parsed, record } = known;
  // The hash covers the prefix, so a record of another kind or mode can only mean corruption.
  if (!record || record.kind !== parsed.kind || record.mode !== parsed.mode) throw refuse("not_found");
  const refusal = refusalOf(record, deps.now.getTime());
  if (refusal) throw refuse(refusal);

  recordApiKeyUse(deps, record.id);
  return record;
}

/**
 * Verifies a presented API key (the value of `X-Ping-Api-Key`): strict format and checksum with no
 * storage read, then the tiered cache (memory → Cache API → D1), then revocation, grace and expiry,
 * then the key's origin list against the request's `Origin`. Usage is counted in memory and written
 * later, coalesced.
 */
export async function authenticateApiKey(deps: Deps, presented: string, origin?: string): Promise<ApiKeyPrincipal> {
  const record = await verifyApiKey(deps, presented);
  refuseForeignOrigin(record, origin);
  return apiKeyPrincipalOf(record);
}

/** Who a usable key's request acts as: what the gateway's identity headers and assertion carry. */
export function apiKeyPrincipalOf(record: ApiKeyRecord): ApiKeyPrincipal {
  return {
    method: "api_key",
    keyId: record.publicId,
    tenantId: record.tenantId,
    kind: record.kind,
    mode: record.mode,
    permissions: record.permissions,
  };
}

/** A 403 (RFC 6750 §3.1 `insufficient_scope`) for a usable key, with a machine-readable reason. */
function forbid(keyId: string, reason: string, detail: string): AppError {
  return new AppError("insufficient_permission", { reason, detail: `key ${keyId}: ${detail}`, challenge: "api_key" });
}

/**
 * A publishable key with an origin list works only for pages on those origins. It is a browser
 * guard, not a secret: a browser always states the `Origin` of a cross-origin request (and one
 * carrying `X-Ping-Api-Key` is always cross-origin or a same-origin non-GET), and a page cannot
 * change it. A request without `Origin` comes from a server (or a same-origin GET) and passes:
 * a server can send any `Origin` it likes, so refusing it would protect nothing.
 */
function refuseForeignOrigin(record: ApiKeyRecord, origin: string | undefined): void {
  if (record.allowedOrigins === null || origin === undefined) return;
  if (!record.allowedOrigins.includes(origin)) {
    throw forbid(record.publicId, "origin_not_allowed", "Origin not on the key's list");
  }
}

/**
 * Checks an authenticated key against what a route requires. Publishable and secret keys are
 * authorized alike, by their permissions; a route sets `kinds` to refuse publishable keys.
 *
 * A publishable key with no permission at all (a PERS project key: it only names a tenant, and it
 * ships in browsers) authorizes nothing, not even a route that requires no permission: such keys
 * were never accepted by the gateway, and granting a permission is what makes one usable here.
 */
export function authorizeApiKey(principal: ApiKeyPrincipal, requirements: ApiKeyRequirements): void {
  const { keyId } = principal;
  if (requirements.kinds && !requirements.kinds.includes(principal.kind)) {
    throw forbid(keyId, "kind_not_allowed", `a ${principal.kind} key`);
  }
  const granted: readonly string[] = principal.permissions;
  if (principal.kind === "publishable" && granted.length === 0) {
    throw forbid(keyId, "missing_permission", "a publishable key without permissions");
  }
  const missing = (requirements.permissions ?? []).filter((permission) => !granted.includes(permission));
  if (missing.length > 0) throw forbid(keyId, "missing_permission", `lacks ${missing.join(", ")}`);
  if (requirements.liveOnly && principal.mode === "test") throw forbid(keyId, "test_key_not_allowed", "a test key");
}
