import type { BusinessStatus } from "../../domain";
import { AppError } from "../../errors";
import { listApiKeyHashesOfBusiness } from "../../storage/api-keys";
import { findBusinessByPublicId, insertBusiness, listBusinesses, updateBusiness } from "../../storage/businesses";
import type { Page, PageRequest } from "../../storage/pagination";
import type { BusinessRow } from "../../storage/schema";
import { forgetApiKey } from "../api-keys/key-lookup";
import { recordAudit, type UserActor } from "../audit/audit-log";
import type { Deps } from "../deps";
import { recordTenantSuspension } from "../token-exchange/tenant-suspensions";
import { businessNotFound } from "./business-access";

/**
 * Businesses, as administrators manage them. A PERS tenant is a business: the admin API names it
 * `tenantId` on the tenant routes, and it is the same row.
 */

/** The business (tenant) an admin path names, or 404. */
export async function requireBusiness(deps: Deps, publicId: string): Promise<BusinessRow> {
  const business = await findBusinessByPublicId(deps.db, publicId);
  if (!business) throw new AppError("not_found", { detail: "no such tenant" });
  return business;
}

export async function createBusiness(
  deps: Deps,
  actor: UserActor,
  input: { name: string; status: BusinessStatus },
): Promise<BusinessRow> {
  const business = await insertBusiness(deps.db, { publicId: crypto.randomUUID(), ...input, now: deps.now });
  recordAudit(deps, actor, {
    action: "business.create",
    tenant: business.publicId,
    target: business.publicId,
    details: { name: business.name, status: business.status },
  });
  return business;
}

export function findBusinesses(deps: Deps, page: PageRequest): Promise<Page<BusinessRow>> {
  return listBusinesses(deps.db, page);
}

export async function changeBusiness(
  deps: Deps,
  actor: UserActor,
  publicId: string,
  changes: { name?: string; status?: BusinessStatus },
): Promise<BusinessRow> {
  if (changes.name === undefined && changes.status === undefined) {
    throw new AppError("invalid_request", { publicMessage: "Nothing to update: give a name or a status." });
  }
  const business = await findBusinessByPublicId(deps.db, publicId);
  if (!business) throw businessNotFound("unknown business");
  const updated = await updateBusiness(deps.db, business.id, changes, deps.now);
  if (!updated) throw businessNotFound("business vanished during update");
  if (changes.status !== undefined && changes.status !== business.status) {
    // Suspending (or reinstating) takes effect at once here; other isolates follow at their next
    // read of the key change feed, to which the status change added every key of the business.
    const hashes = await listApiKeyHashesOfBusiness(deps.db, business.id);
    await Promise.all(hashes.map((hash) => forgetApiKey(hash, deps.now.getTime())));
  }
  recordAudit(deps, actor, {
    action: "business.update",
    tenant: business.publicId,
    target: business.publicId,
    details: { before: { name: business.name, status: business.status }, changes },
  });
  // PERS access tokens are checked without D1: the gateway reads the tenant's mark in KV. Written
  // for every status sent, so sending it again finishes a change whose KV write failed (a 503,
  // after D1 and the audit row already hold the new status).
  if (changes.status !== undefined) {
    await recordTenantSuspension(deps, business.publicId, changes.status === "suspended");
  }
  return updated;
}
