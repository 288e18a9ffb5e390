import type { IdpAlgorithm } from "../../src/domain";
import type { Deps } from "../../src/services/deps";
import { startPersSession } from "../../src/services/token-exchange/pers-sessions";
import { insertProviderIfIssuerFree } from "../../src/storage/identity-providers";
import { linkNewTenantUser } from "../../src/storage/tenant-users";
import { FakeIdentityProvider } from "./identity-provider";
import { exchange, type TokenPair } from "./pers";
import { createTenant, type TestTenant } from "./tenants";

/** A fresh tenant trusting a fresh fake identity provider (whose first key is of `alg`). */
export async function tenantTrustingProvider(
  options: { alg?: IdpAlgorithm } = {},
): Promise<{ tenant: TestTenant; idp: FakeIdentityProvider }> {
  const idp = await FakeIdentityProvider.create(options);
  const tenant = await createTenant();
  await idp.trustedBy(tenant);
  return { tenant, idp };
}

/** A tenant trusting a fake provider, and one fresh PERS session at it. */
export async function startedSession(): Promise<{ tenant: TestTenant; idp: FakeIdentityProvider; pair: TokenPair }> {
  const { tenant, idp } = await tenantTrustingProvider({ alg: "ES256" });
  const res = await exchange(tenant, { authToken: await idp.token(`user-${crypto.randomUUID().slice(0, 6)}`) });
  if (res.status !== 200) throw new Error(`exchange failed: ${res.status}`);
  return { tenant, idp, pair: (await res.json()) as TokenPair };
}

const UNIT_ISSUER = "https://idp.unit.test";

/**
 * A PERS session started straight through the service at `deps.now`, for a new tenant user of a
 * new tenant (its provider is a row only, never called, no HTTP): for tests that move the clock.
 */
export async function persSessionAt(deps: Deps, tenantName = "Tenant") {
  const tenant = await createTenant(tenantName);
  const provider = await insertProviderIfIssuerFree(deps.db, {
    publicId: `idp_${crypto.randomUUID().slice(0, 12)}`,
    tenantId: tenant.tenantId,
    issuer: UNIT_ISSUER,
    audience: "unit-test",
    jwksUrl: null,
    jwksInline: { keys: [] },
    allowedAlgorithms: ["ES256"],
    claimMapping: { subject: "sub", email: "email", name: "name" },
    enabled: true,
    now: deps.now,
  });
  const user = await linkNewTenantUser(deps.db, {
    tenantId: tenant.tenantId,
    issuer: UNIT_ISSUER,
    subject: crypto.randomUUID(),
    candidatePublicId: crypto.randomUUID(),
    email: null,
    name: null,
    now: deps.now,
  });
  const pair = await startUserSession(deps, tenant, user);
  return { tenant, user, provider, pair };
}

/** A `user` session of this tenant user, started straight through the service (an exchange's last step). */
export function startUserSession(
  deps: Deps,
  tenant: TestTenant,
  user: { id: number; publicId: string },
): ReturnType<typeof startPersSession> {
  return startPersSession(deps, {
    tenantId: tenant.tenantId,
    tenantUserId: user.id,
    session: {
      tenantPublicId: tenant.tenantPublicId,
      tenantUserPublicId: user.publicId,
      authType: "user",
      anonymous: false,
      mode: "live",
    },
  });
}
