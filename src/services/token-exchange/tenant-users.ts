import type { TenantUserRow } from "../../storage/schema";
import {
  findTenantUserByIdentity,
  insertAnonymousTenantUser,
  linkNewTenantUser,
  updateTenantUserDisplay,
} from "../../storage/tenant-users";
import type { Deps } from "../deps";
import type { VerifiedIdentity } from "./identity-tokens";

/**
 * The tenant user behind a verified external identity, created on first sight. Identities are
 * linked by issuer and subject only: an email claim is display data, never proof that two
 * identities are one person (anyone can put any email into an account at some provider).
 */
export async function tenantUserForIdentity(
  deps: Deps,
  tenantId: number,
  identity: VerifiedIdentity,
): Promise<TenantUserRow> {
  const key = { tenantId, issuer: identity.issuer, subject: identity.subject };
  const existing = await findTenantUserByIdentity(deps.db, key);
  if (existing) {
    if (existing.email !== identity.email || existing.name !== identity.name) {
      const display = { email: identity.email, name: identity.name };
      deps.defer(updateTenantUserDisplay(deps.db, existing.id, display, deps.now));
    }
    return existing;
  }
  return linkNewTenantUser(deps.db, {
    ...key,
    candidatePublicId: crypto.randomUUID(),
    email: identity.email,
    name: identity.name,
    now: deps.now,
  });
}

/** An unauthenticated (sandbox, trial) user of the tenant, holding the client's raw login data. */
export function createAnonymousTenantUser(
  deps: Deps,
  tenantId: number,
  rawLoginData: Record<string, unknown>,
): Promise<TenantUserRow> {
  return insertAnonymousTenantUser(deps.db, {
    publicId: crypto.randomUUID(),
    tenantId,
    rawLoginData,
    now: deps.now,
  });
}
