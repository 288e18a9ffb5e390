import { checkPublicJwk, importVerificationKey, keyFitsAlgorithm } from "../../crypto/jwks";
import { randomToken } from "../../crypto/random";
import type { ClaimMapping, IdpAlgorithm, PublicJwk } from "../../domain";
import { type Config, isLocalDevelopment, LOCAL_HOSTS } from "../../env";
import { AppError } from "../../errors";
import { isPublicHost } from "../../public-host";
import {
  deleteProvider,
  findProviderOfTenant,
  insertProviderIfIssuerFree,
  listProvidersOfTenant,
  type ProviderValues,
  replaceProvider,
} from "../../storage/identity-providers";
import type { IdentityProviderRow } from "../../storage/schema";
import { recordAudit, type UserActor } from "../audit/audit-log";
import type { Deps } from "../deps";
import { endSessionsOfChange } from "../token-exchange/pers-revocation";

/** A provider as an admin submits it, already shape-checked by the route's schema (which must produce this). */
export interface ProviderInput {
  issuer: string;
  audience: string;
  jwksUrl?: string | undefined;
  jwksInline?: { keys: Record<string, unknown>[] } | undefined;
  allowedAlgorithms: IdpAlgorithm[];
  claimMapping: ClaimMapping;
  enabled: boolean;
}

/** A refusal of one field of the provider; its message starts with the field's name. */
function badInput(field: keyof ProviderInput, publicMessage: string): AppError {
  return new AppError("invalid_request", { publicMessage, field, detail: `identity provider: ${publicMessage}` });
}

/**
 * A JWKS URL must be https: the keys it serves decide who may sign in. Plain http is accepted only
 * for a provider on localhost while Gatehouse itself runs locally. In production its host must not
 * be a loopback, private, link-local or otherwise non-public address: the admin API would
 * otherwise make Gatehouse fetch from inside its own network (SSRF).
 */
function checkJwksUrl(config: Config, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badInput("jwksUrl", "jwksUrl must be an absolute URL.");
  }
  if (url.username || url.password) throw badInput("jwksUrl", "jwksUrl must not carry credentials.");
  if (url.hash) throw badInput("jwksUrl", "jwksUrl must not have a fragment.");
  if (!isLocalDevelopment(config) && !isPublicHost(url.hostname)) {
    throw badInput("jwksUrl", "jwksUrl must name a public host (not a loopback, private or link-local address).");
  }
  if (url.protocol === "https:") return url.toString();
  if (url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname) && isLocalDevelopment(config)) return url.toString();
  throw badInput("jwksUrl", "jwksUrl must use https (http only for localhost in local development).");
}

async function checkInlineJwks(keys: Record<string, unknown>[], algorithms: IdpAlgorithm[]): Promise<PublicJwk[]> {
  const kids = new Set<string>();
  for (const [index, key] of keys.entries()) {
    const problem = checkPublicJwk(key);
    if (problem)
      throw badInput("jwksInline", `jwksInline.keys[${index}] is not a usable public signature key (${problem}).`);
    const jwk = key as PublicJwk;
    if (kids.has(jwk.kid))
      throw badInput("jwksInline", `jwksInline.keys[${index}] repeats kid ${JSON.stringify(jwk.kid)}.`);
    kids.add(jwk.kid);
    const alg = algorithms.find((candidate) => keyFitsAlgorithm(jwk, candidate));
    if (!alg) throw badInput("jwksInline", `jwksInline.keys[${index}] fits none of the allowed algorithms.`);
    try {
      await importVerificationKey(jwk, alg);
    } catch {
      throw badInput("jwksInline", `jwksInline.keys[${index}] cannot be imported as a public key for ${alg}.`);
    }
  }
  return keys as PublicJwk[];
}

async function providerValues(deps: Deps, input: ProviderInput): Promise<ProviderValues> {
  // Gatehouse's own tokens (Ping or PERS) are never identity tokens: trusting our issuer would let
  // a session of one tenant or surface be exchanged into another.
  if (input.issuer === deps.config.issuer) throw badInput("issuer", "issuer must not be Gatehouse's own issuer.");
  const algorithms = [...new Set(input.allowedAlgorithms)];
  return {
    issuer: input.issuer,
    audience: input.audience,
    jwksUrl: input.jwksUrl === undefined ? null : checkJwksUrl(deps.config, input.jwksUrl),
    jwksInline: input.jwksInline ? { keys: await checkInlineJwks(input.jwksInline.keys, algorithms) } : null,
    allowedAlgorithms: algorithms,
    claimMapping: input.claimMapping,
    enabled: input.enabled,
  };
}

/** What an audit row says of a provider: its configuration, with inline keys named by `kid` only. */
function auditedConfiguration(row: IdentityProviderRow): Record<string, unknown> {
  return {
    issuer: row.issuer,
    audience: row.audience,
    jwksUrl: row.jwksUrl,
    jwksInlineKids: row.jwksInline?.keys.map((key) => key.kid) ?? null,
    allowedAlgorithms: row.allowedAlgorithms,
    claimMapping: row.claimMapping,
    enabled: row.enabled,
  };
}

/** The audited fields that differ between two versions of a provider, as `{ field: { from, to } }`. */
function changedFields(before: Record<string, unknown>, after: Record<string, unknown>) {
  return Object.fromEntries(
    Object.keys(after)
      .filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]))
      .map((field) => [field, { from: before[field], to: after[field] }]),
  );
}

export function listIdentityProviders(deps: Deps, tenantId: number): Promise<IdentityProviderRow[]> {
  return listProvidersOfTenant(deps.db, tenantId);
}

export async function createIdentityProvider(
  deps: Deps,
  actor: UserActor,
  tenant: { id: number; publicId: string },
  input: ProviderInput,
): Promise<IdentityProviderRow> {
  const values = await providerValues(deps, input);
  const row = await insertProviderIfIssuerFree(deps.db, {
    ...values,
    publicId: `idp_${randomToken(12)}`,
    tenantId: tenant.id,
    now: deps.now,
  });
  if (!row) throw new AppError("identity_provider_exists", { field: "issuer" });
  recordAudit(deps, actor, {
    action: "identity_provider.create",
    tenant: tenant.publicId,
    target: row.publicId,
    details: auditedConfiguration(row),
  });
  return row;
}

/** Replaces a provider's configuration; enabling or disabling it is audited as what it is. */
export async function updateIdentityProvider(
  deps: Deps,
  actor: UserActor,
  tenant: { id: number; publicId: string },
  providerPublicId: string,
  input: ProviderInput,
): Promise<IdentityProviderRow> {
  const values = await providerValues(deps, input);
  const before = await findProviderOfTenant(deps.db, tenant.id, providerPublicId);
  if (!before) throw new AppError("not_found");
  const row = await replaceProvider(deps.db, tenant.id, providerPublicId, values, deps.now);
  if (row === "issuer_taken") throw new AppError("identity_provider_exists", { field: "issuer" });
  if (!row) throw new AppError("not_found");
  const action =
    before.enabled === row.enabled
      ? "identity_provider.update"
      : row.enabled
        ? "identity_provider.enable"
        : "identity_provider.disable";
  // Disabled, or moved to another issuer: the sessions of the identities it vouched for end.
  await endSessionsOfChange(deps, actor, tenant, {
    endsSessions: (before.enabled && !row.enabled) || before.issuer !== row.issuer,
    audit: {
      action,
      tenant: tenant.publicId,
      target: row.publicId,
      details: { changes: changedFields(auditedConfiguration(before), auditedConfiguration(row)) },
    },
  });
  return row;
}

export async function removeIdentityProvider(
  deps: Deps,
  actor: UserActor,
  tenant: { id: number; publicId: string },
  providerPublicId: string,
): Promise<void> {
  const before = await findProviderOfTenant(deps.db, tenant.id, providerPublicId);
  if (!before || !(await deleteProvider(deps.db, tenant.id, providerPublicId))) throw new AppError("not_found");
  await endSessionsOfChange(deps, actor, tenant, {
    endsSessions: true,
    audit: {
      action: "identity_provider.delete",
      tenant: tenant.publicId,
      target: providerPublicId,
      details: auditedConfiguration(before),
    },
  });
}
