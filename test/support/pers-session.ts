import type { IdpAlgorithm } from "../../src/domain";
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
