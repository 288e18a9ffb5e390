import { generateApiKey } from "../../crypto/api-key-format";
import { encodeBase58Fixed } from "../../crypto/base58";
import {
  API_KEY_MODES,
  API_KEY_PERMISSIONS,
  type ApiKeyKind,
  type ApiKeyMode,
  type ApiKeyPermission,
  type UserPrincipal,
} from "../../domain";
import { AppError } from "../../errors";
import {
  type ApiKeyDetails,
  epochMs,
  findApiKeyDetailsByPublicId,
  insertApiKey,
  insertSuccessorAndRoll,
  listApiKeyDetails,
  markApiKeyRevoked,
} from "../../storage/api-keys";
import { findBusinessByPublicId } from "../../storage/businesses";
import { primaryOf } from "../../storage/d1-sessions";
import type { Page, PageRequest } from "../../storage/pagination";
import type { ApiKeyRow, BusinessRow } from "../../storage/schema";
import {
  type BusinessCaller,
  businessNotFound,
  findAccessibleBusiness,
  requireBusinessAccess,
  roleForbids,
} from "../admin/business-access";
import { keyCreationRefusal, keyManagementRefusal } from "../admin/member-roles";
import { recordAudit, type UserActor } from "../audit/audit-log";
import type { Deps } from "../deps";
import { forgetApiKey } from "./key-lookup";
import { refusalOf } from "./verification";

export type ApiKeyStatus = "active" | "rolled" | "revoked" | "expired";

/** How a key stands at `now`: `rolled` means replaced but still inside its grace period. */
export function apiKeyStatus(key: ApiKeyRow, now: Date): ApiKeyStatus {
  const refusal = refusalOf(
    { revokedAt: epochMs(key.revokedAt), graceUntil: epochMs(key.graceUntil), expiresAt: epochMs(key.expiresAt) },
    now.getTime(),
  );
  if (refusal) return refusal;
  return key.replacedBy === null ? "active" : "rolled";
}

const apiKeyNotFound = (detail: string) => new AppError("not_found", { publicMessage: "API key not found.", detail });

export interface NewApiKeyRequest {
  businessPublicId: string;
  name: string;
  kind: ApiKeyKind;
  mode: ApiKeyMode;
  permissions: ApiKeyPermission[];
  /** Publishable keys only: the browser origins the key works from. */
  allowedOrigins?: string[];
  expiresAt?: Date;
}

export interface IssuedApiKey {
  key: ApiKeyDetails;
  /** The only time the key is ever shown. */
  plaintext: string;
}

/** `key_` and 128 random bits in base58: safe in URLs and shells, no leading `-`. */
function newKeyPublicId(): string {
  return `key_${encodeBase58Fixed(crypto.getRandomValues(new Uint8Array(16)))}`;
}

function checkNewKeyRules(deps: Deps, request: Pick<NewApiKeyRequest, "kind" | "allowedOrigins" | "expiresAt">) {
  // An origin list is a browser guard; a secret key that needs one is a secret key in a browser.
  if (request.kind === "secret" && request.allowedOrigins !== undefined) {
    throw new AppError("invalid_request", {
      publicMessage: "Invalid allowed_origins: only publishable keys have an origin list.",
    });
  }
  if (request.expiresAt && request.expiresAt.getTime() <= deps.now.getTime()) {
    throw new AppError("invalid_request", { publicMessage: "Invalid expires_at: must be in the future." });
  }
}

interface RefusableAttempt {
  attempted: "create" | "roll" | "revoke";
  tenant: string;
  target?: string;
  details?: Record<string, unknown>;
}

/** Refuses, and audits, a create, roll or revoke the caller's role does not allow. */
function enforceRole(
  deps: Deps,
  actor: UserActor,
  caller: BusinessCaller,
  refusal: string | null,
  attempt: RefusableAttempt,
): void {
  if (refusal === null) return;
  recordAudit(deps, actor, {
    action: "api_key.refused",
    tenant: attempt.tenant,
    target: attempt.target ?? null,
    details: { attempted: attempt.attempted, role: caller.actingRole, reason: refusal, ...attempt.details },
  });
  throw roleForbids(refusal);
}

/** Why the caller may not roll or revoke this key (rolling also mints a key like it), or null. */
function changeRefusal(caller: BusinessCaller, key: ApiKeyRow, change: "roll" | "revoke"): string | null {
  const managing = keyManagementRefusal(caller.actingRole, key.createdBy === caller.userId);
  if (managing !== null || change === "revoke") return managing;
  return keyCreationRefusal(caller.actingRole, key);
}

/** Whether the caller's role allows creating any key at all (a test key without bulk is the least). */
export function mayCreateApiKeys(caller: BusinessCaller): boolean {
  return keyCreationRefusal(caller.actingRole, { mode: "test", permissions: [] }) === null;
}

/** The modes and permissions the caller's role may put on a new key (a page offers only these). */
export function apiKeyCreationChoices(caller: BusinessCaller): {
  modes: ApiKeyMode[];
  permissions: ApiKeyPermission[];
} {
  const role = caller.actingRole;
  return {
    modes: API_KEY_MODES.filter((mode) => keyCreationRefusal(role, { mode, permissions: [] }) === null),
    permissions: API_KEY_PERMISSIONS.filter(
      (permission) => keyCreationRefusal(role, { mode: "test", permissions: [permission] }) === null,
    ),
  };
}

/** Whether the caller's role allows rolling or revoking this key (a page offers only what is). */
export function mayChangeApiKey(caller: BusinessCaller, key: ApiKeyRow, change: "roll" | "revoke"): boolean {
  return changeRefusal(caller, key, change) === null;
}

async function reload(deps: Deps, publicId: string): Promise<ApiKeyDetails> {
  const details = await findApiKeyDetailsByPublicId(deps.db, publicId);
  if (!details) throw new Error(`api key ${publicId} vanished`);
  return details;
}

export async function createApiKey(deps: Deps, actor: UserActor, request: NewApiKeyRequest): Promise<IssuedApiKey> {
  checkNewKeyRules(deps, request);
  const { business, caller } = await findAccessibleBusiness(deps, actor.principal, request.businessPublicId);
  const permissions = [...new Set(request.permissions)];
  enforceRole(deps, actor, caller, keyCreationRefusal(caller.actingRole, { mode: request.mode, permissions }), {
    attempted: "create",
    tenant: business.publicId,
    details: { kind: request.kind, mode: request.mode, permissions },
  });
  refuseIfSuspended(business);
  const generated = await generateApiKey(request.kind, request.mode);
  const allowedOrigins = request.allowedOrigins ? [...new Set(request.allowedOrigins)] : null;
  const row = await insertApiKey(deps.db, {
    publicId: newKeyPublicId(),
    businessId: business.id,
    name: request.name,
    kind: request.kind,
    mode: request.mode,
    permissions,
    allowedOrigins,
    hash: generated.lookupHash,
    displayPrefix: generated.displayPrefix,
    createdBy: caller.userId,
    createdAt: deps.now,
    expiresAt: request.expiresAt ?? null,
  });
  recordAudit(deps, actor, {
    action: "api_key.create",
    tenant: business.publicId,
    target: row.publicId,
    details: {
      name: row.name,
      kind: row.kind,
      mode: row.mode,
      permissions,
      ...(allowedOrigins ? { allowed_origins: allowedOrigins } : {}),
      display_prefix: row.displayPrefix,
    },
  });
  // Built from the inserted row, not read back: once the row is written, nothing can fail between
  // it and the client receiving the key's only copy.
  const key = { key: row, businessPublicId: business.publicId, createdByPublicId: actor.principal.userPublicId };
  return { key: { ...key, replacedByPublicId: null }, plaintext: generated.plaintext };
}

export async function listApiKeysOfBusiness(
  deps: Deps,
  principal: UserPrincipal,
  businessPublicId: string,
  page: PageRequest,
): Promise<Page<ApiKeyDetails>> {
  const { business } = await findAccessibleBusiness(deps, principal, businessPublicId);
  return listApiKeyDetails(deps.db, { businessId: business.id }, page);
}

/** Every tenant's keys (admins only; the route guards that), optionally of one business. */
export async function listAllApiKeys(
  deps: Deps,
  filter: { businessPublicId?: string },
  page: PageRequest,
): Promise<Page<ApiKeyDetails>> {
  if (filter.businessPublicId === undefined) return listApiKeyDetails(deps.db, {}, page);
  const business = await findBusinessByPublicId(deps.db, filter.businessPublicId);
  if (!business) throw businessNotFound("unknown business");
  return listApiKeyDetails(deps.db, { businessId: business.id }, page);
}

/** A suspended business's keys are all refused: issuing another would hand out a key that never works. */
function refuseIfSuspended(business: Pick<BusinessRow, "status" | "publicId">): void {
  if (business.status === "suspended") {
    throw new AppError("business_suspended", { detail: `business ${business.publicId} is suspended` });
  }
}

/** Refuses a roll its key's state forbids: only an active key of a business not suspended rolls. */
async function refuseImpossibleRoll(deps: Deps, details: ApiKeyDetails): Promise<void> {
  const status = apiKeyStatus(details.key, deps.now);
  if (status !== "active") throw new AppError("api_key_inactive", { detail: `roll of ${status} key` });
  const business = await findBusinessByPublicId(primaryOf(deps.db), details.businessPublicId);
  if (business) refuseIfSuspended(business);
}

/** A key the caller may manage; another tenant's key is "not found", exactly like a missing one. */
async function findManageableKey(deps: Deps, principal: UserPrincipal, keyPublicId: string) {
  const details = await findApiKeyDetailsByPublicId(deps.db, keyPublicId);
  if (!details) throw apiKeyNotFound("unknown key id");
  try {
    const caller = await requireBusinessAccess(deps, principal, {
      id: details.key.businessId,
      publicId: details.businessPublicId,
    });
    return { details, caller };
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") throw apiKeyNotFound("key of another business");
    throw err;
  }
}

export async function getApiKey(deps: Deps, principal: UserPrincipal, keyPublicId: string): Promise<ApiKeyDetails> {
  return (await findManageableKey(deps, principal, keyPublicId)).details;
}

/**
 * The key, for a page that asks to confirm rolling or revoking it: refused as the change itself
 * would be when the caller's role does not allow it (not audited: nothing was attempted yet).
 */
export async function getApiKeyToChange(
  deps: Deps,
  principal: UserPrincipal,
  keyPublicId: string,
  change: "roll" | "revoke",
): Promise<ApiKeyDetails> {
  const { details, caller } = await findManageableKey(deps, principal, keyPublicId);
  const refusal = changeRefusal(caller, details.key, change);
  if (refusal !== null) throw roleForbids(refusal);
  // Asked before the confirmation, as the roll itself would.
  if (change === "roll") await refuseImpossibleRoll(deps, details);
  return details;
}

export interface RolledApiKey extends IssuedApiKey {
  /** The key that was rolled, now working only until its `graceUntil`. */
  previous: ApiKeyDetails;
}

/**
 * Issues a successor with the same name, kind, mode, permissions, allowed origins and expiry; the
 * old key keeps working for `apiKeyRollGraceSeconds`, then is refused as revoked. Only an active
 * key can be rolled, and only once.
 */
export async function rollApiKey(deps: Deps, actor: UserActor, keyPublicId: string): Promise<RolledApiKey> {
  const { details, caller } = await findManageableKey(deps, actor.principal, keyPublicId);
  const old = details.key;
  enforceRole(deps, actor, caller, changeRefusal(caller, old, "roll"), {
    attempted: "roll",
    tenant: details.businessPublicId,
    target: old.publicId,
  });
  await refuseImpossibleRoll(deps, details);
  const generated = await generateApiKey(old.kind, old.mode);
  const graceUntil = new Date(deps.now.getTime() + deps.config.apiKeyRollGraceSeconds * 1000);
  const outcome = await insertSuccessorAndRoll(
    deps.db,
    old.id,
    {
      publicId: newKeyPublicId(),
      businessId: old.businessId,
      name: old.name,
      kind: old.kind,
      mode: old.mode,
      permissions: old.permissions,
      allowedOrigins: old.allowedOrigins,
      hash: generated.lookupHash,
      displayPrefix: generated.displayPrefix,
      createdBy: caller.userId,
      createdAt: deps.now,
      expiresAt: old.expiresAt,
    },
    graceUntil,
  );
  if (!outcome) throw new AppError("api_key_inactive", { detail: "lost a concurrent roll or revoke" });
  const { successor, rolled } = outcome;
  await forgetApiKey(old.hash, deps.now.getTime());
  recordAudit(deps, actor, {
    action: "api_key.roll",
    tenant: details.businessPublicId,
    target: old.publicId,
    details: { successor: successor.publicId, grace_until: graceUntil.toISOString() },
  });
  // Built from the batch's rows, not read back, for the same reason as in `createApiKey`.
  const key = {
    key: successor,
    businessPublicId: details.businessPublicId,
    createdByPublicId: actor.principal.userPublicId,
    replacedByPublicId: null,
  };
  const previous = { ...details, key: rolled, replacedByPublicId: successor.publicId };
  return { key, plaintext: generated.plaintext, previous };
}

/**
 * Revokes a key at once in this isolate and this location's Cache API; elsewhere at each isolate's
 * next read of the key change feed, within the revocation bound (≤ 60 s). Revoking a revoked key
 * changes nothing and is not an error.
 */
export async function revokeApiKey(deps: Deps, actor: UserActor, keyPublicId: string): Promise<ApiKeyDetails> {
  const { details, caller } = await findManageableKey(deps, actor.principal, keyPublicId);
  enforceRole(deps, actor, caller, changeRefusal(caller, details.key, "revoke"), {
    attempted: "revoke",
    tenant: details.businessPublicId,
    target: details.key.publicId,
  });
  if (details.key.revokedAt !== null) return details;
  const revoked = await markApiKeyRevoked(deps.db, details.key.id, deps.now);
  // Cleared after D1 says revoked, so the next read here finds the revocation. (A request that read
  // D1 just before could still re-cache the old state; the cache lifetime bounds that too.)
  await forgetApiKey(details.key.hash, deps.now.getTime());
  if (revoked) {
    recordAudit(deps, actor, {
      action: "api_key.revoke",
      tenant: details.businessPublicId,
      target: details.key.publicId,
      details: { display_prefix: details.key.displayPrefix },
    });
  }
  return reload(deps, keyPublicId);
}
