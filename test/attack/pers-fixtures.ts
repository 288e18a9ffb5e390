import { issuePersAccessToken, issuePersRefreshToken } from "../../src/services/token-exchange/pers-tokens";
import { testDeps } from "../support/deps";
import { FakeIdentityProvider } from "../support/identity-provider";
import { exchange, refresh, type TokenPair } from "../support/pers";
import { createTenant, registerProjectKey, revokeProjectKey, type TestTenant } from "../support/tenants";

/** Valid PERS credentials of two tenants (and some spent ones) for the attack suite to vary. */
export interface PersFixtures {
  tenant: TestTenant;
  idp: FakeIdentityProvider;
  /** The public id (`idp_…`) under which the tenant trusts `idp`. */
  providerId: string;
  /** A valid identity token the tenant trusts; the suite never exchanges it successfully. */
  identityToken: string;
  /** The live session of the tenant (its refresh token is never rotated by the suite). */
  pair: TokenPair;
  /** The refresh token `pair` replaced: rotated, still within the reuse grace. */
  rotatedRefreshToken: string;
  /** The newest tokens of a family revoked because a rotated token was replayed. */
  revokedFamily: TokenPair;
  /** Tokens of the tenant signed with our key but expired an hour ago. */
  expired: TokenPair;
  /** A project key of the tenant's, revoked. */
  revokedProjectKey: string;
  otherTenant: TestTenant;
  /** A live session at the other tenant. */
  otherPair: TokenPair;
  /** A valid identity token from a provider only the other tenant trusts. */
  otherIdentityToken: string;
}

async function pairOf(res: Response): Promise<TokenPair> {
  const body = await res.text();
  if (res.status !== 200) throw new Error(`PERS call failed: ${res.status} ${body}`);
  return JSON.parse(body) as TokenPair;
}

async function sessionAt(tenant: TestTenant, idp: FakeIdentityProvider): Promise<TokenPair> {
  return pairOf(await exchange(tenant, { authToken: await idp.token(`user-${crypto.randomUUID().slice(0, 8)}`) }));
}

async function expiredTokens(tenant: TestTenant): Promise<TokenPair> {
  const anHourAgo = (await testDeps()).at(Date.now() - 3_600_000);
  const session = {
    tenantPublicId: tenant.tenantPublicId,
    tenantUserPublicId: crypto.randomUUID(),
    authType: "user" as const,
    familyId: `attack-expired-${crypto.randomUUID()}`,
    anonymous: false,
    mode: "live" as const,
    authTime: Math.floor(Date.now() / 1000),
  };
  return {
    accessToken: await issuePersAccessToken(anHourAgo, session),
    refreshToken: await issuePersRefreshToken(anHourAgo, session, crypto.randomUUID(), new Date(Date.now() - 60_000)),
  };
}

export async function makePersFixtures(): Promise<PersFixtures> {
  const idp = await FakeIdentityProvider.create({ alg: "ES256" });
  const tenant = await createTenant("Attack tenant");
  const provider = await idp.trustedBy(tenant);

  const first = await sessionAt(tenant, idp);
  const pair = await pairOf(await refresh(tenant, first.refreshToken));

  // Replay after the child was used: reuse, which revokes the family.
  const doomed = await sessionAt(tenant, idp);
  const doomedNext = await pairOf(await refresh(tenant, doomed.refreshToken));
  const revokedFamily = await pairOf(await refresh(tenant, doomedNext.refreshToken));
  const replay = await refresh(tenant, doomed.refreshToken);
  if (replay.status !== 401) throw new Error(`replay was not refused: ${replay.status}`);

  const revokedProjectKey = await registerProjectKey(tenant);
  await revokeProjectKey(revokedProjectKey);

  const otherIdp = await FakeIdentityProvider.create({ alg: "ES256" });
  const otherTenant = await createTenant("Attack other tenant");
  await otherIdp.trustedBy(otherTenant);

  return {
    tenant,
    idp,
    providerId: provider.publicId,
    identityToken: await idp.token("attack-subject"),
    pair,
    rotatedRefreshToken: first.refreshToken,
    revokedFamily,
    expired: await expiredTokens(tenant),
    revokedProjectKey,
    otherTenant,
    otherPair: await sessionAt(otherTenant, otherIdp),
    otherIdentityToken: await otherIdp.token("attack-subject"),
  };
}
