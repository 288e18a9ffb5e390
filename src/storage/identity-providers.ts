import { and, asc, eq } from "drizzle-orm";
import type { ClaimMapping, IdpAlgorithm, PublicJwk } from "../domain";
import type { Database } from "./db";
import { type IdentityProviderRow, identityProviders } from "./schema";

/** The exchange's look-up: the tenant's enabled provider whose issuer the token claims. */
export async function findEnabledProviderByIssuer(
  db: Database,
  tenantId: number,
  issuer: string,
): Promise<IdentityProviderRow | null> {
  const row = await db
    .select()
    .from(identityProviders)
    .where(
      and(
        eq(identityProviders.tenantId, tenantId),
        eq(identityProviders.issuer, issuer),
        eq(identityProviders.enabled, true),
      ),
    )
    .get();
  return row ?? null;
}

export async function listProvidersOfTenant(db: Database, tenantId: number): Promise<IdentityProviderRow[]> {
  return db
    .select()
    .from(identityProviders)
    .where(eq(identityProviders.tenantId, tenantId))
    .orderBy(asc(identityProviders.id));
}

export interface ProviderValues {
  issuer: string;
  audience: string;
  jwksUrl: string | null;
  jwksInline: { keys: PublicJwk[] } | null;
  allowedAlgorithms: IdpAlgorithm[];
  claimMapping: ClaimMapping;
  enabled: boolean;
}

/** Inserts a provider; null when the tenant already has one with this issuer (the unique index decides). */
export async function insertProviderIfIssuerFree(
  db: Database,
  provider: ProviderValues & { publicId: string; tenantId: number; now: Date },
): Promise<IdentityProviderRow | null> {
  const { now, ...values } = provider;
  const rows = await db
    .insert(identityProviders)
    .values({ ...values, createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: [identityProviders.tenantId, identityProviders.issuer] })
    .returning();
  return rows[0] ?? null;
}

function isUniqueViolation(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${String(err.cause ?? "")}` : String(err);
  return text.includes("UNIQUE constraint failed");
}

/**
 * Replaces a provider's configuration: the row, null when the tenant has no such provider, or
 * "issuer_taken" when another of the tenant's providers already has the new issuer.
 */
export async function replaceProvider(
  db: Database,
  tenantId: number,
  publicId: string,
  values: ProviderValues,
  now: Date,
): Promise<IdentityProviderRow | null | "issuer_taken"> {
  try {
    const rows = await db
      .update(identityProviders)
      .set({ ...values, updatedAt: now })
      .where(and(eq(identityProviders.tenantId, tenantId), eq(identityProviders.publicId, publicId)))
      .returning();
    return rows[0] ?? null;
  } catch (err) {
    if (isUniqueViolation(err)) return "issuer_taken";
    throw err;
  }
}

export async function findProviderOfTenant(
  db: Database,
  tenantId: number,
  publicId: string,
): Promise<IdentityProviderRow | null> {
  const row = await db
    .select()
    .from(identityProviders)
    .where(and(eq(identityProviders.tenantId, tenantId), eq(identityProviders.publicId, publicId)))
    .get();
  return row ?? null;
}

/** Deletes a provider; false when the tenant has no such provider. */
export async function deleteProvider(db: Database, tenantId: number, publicId: string): Promise<boolean> {
  const rows = await db
    .delete(identityProviders)
    .where(and(eq(identityProviders.tenantId, tenantId), eq(identityProviders.publicId, publicId)))
    .returning({ id: identityProviders.id });
  return rows.length > 0;
}
