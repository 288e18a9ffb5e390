import { importJWK, SignJWT } from "jose";
import { sqlString } from "./sql";

/**
 * A demo identity provider for trying PERS token exchange locally: the demo tenant (the demo
 * business) trusts it with an inline JWKS, and `npm run demo:idp-token` signs identity tokens
 * with its private key.
 *
 * DEVELOPMENT ONLY. The private key below is public knowledge (it is in this repository): never
 * let a production tenant trust this issuer or this key.
 */
export const DEMO_IDP = {
  publicId: "idp_demo0000000001",
  issuer: "https://idp.example.test",
  audience: "gatehouse-demo",
  kid: "demo-idp-es256-1",
  /** The subject the demo tenant lists as its admin (`authType: "tenant"`). */
  adminSubject: "demo-admin",
} as const;

const DEMO_IDP_PUBLIC_JWK = {
  kty: "EC",
  crv: "P-256",
  x: "QQmiVXpe58aYwMgR7RStjCTKQg3meQ6PX7kBM7Hag8Q",
  y: "71fODOZjn4jlOPBAP6oy68LwHU25F-NJV6JJq7Wyd9A",
  kid: DEMO_IDP.kid,
  alg: "ES256",
  use: "sig",
} as const;

/** Dev-only private half of the demo provider's key. */
const DEMO_IDP_PRIVATE_JWK = { ...DEMO_IDP_PUBLIC_JWK, d: "GmCDw11PR9OJYqSlQCxD8Zxjqj6-yq8cQWI27-8FwmA" };

export interface DemoIdentityClaims {
  subject: string;
  email?: string;
  name?: string;
  ttlSeconds?: number;
}

/** An identity token of the demo provider, as a real provider would issue it after a sign-in. */
export async function signDemoIdentityToken(claims: DemoIdentityClaims): Promise<string> {
  const key = await importJWK(DEMO_IDP_PRIVATE_JWK, "ES256");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    ...(claims.email ? { email: claims.email } : {}),
    ...(claims.name ? { name: claims.name } : {}),
  })
    .setProtectedHeader({ alg: "ES256", kid: DEMO_IDP.kid, typ: "JWT" })
    .setIssuer(DEMO_IDP.issuer)
    .setAudience(DEMO_IDP.audience)
    .setSubject(claims.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.ttlSeconds ?? 600))
    .sign(key);
}

/**
 * Idempotent seed statements: the demo tenant trusts the demo provider, allows unauthenticated
 * (anonymous) users, enables the `business` auth type and lists `demo-admin` as its admin.
 * Run after the demo business exists:
 * `[...(await demoSeedStatements()), ...demoIdentitySeedStatements(DEMO_BUSINESS.publicId)]`.
 */
export function demoIdentitySeedStatements(tenantPublicId: string): string[] {
  const demoTenant = `(SELECT id FROM businesses WHERE public_id = ${sqlString(tenantPublicId)})`;
  const provider =
    "INSERT INTO identity_providers (public_id, tenant_id, issuer, audience, jwks_url, jwks_inline, allowed_algorithms, claim_mapping, enabled) " +
    `SELECT ${sqlString(DEMO_IDP.publicId)}, ${demoTenant}, ${sqlString(DEMO_IDP.issuer)}, ${sqlString(DEMO_IDP.audience)}, NULL, ` +
    `${sqlString(JSON.stringify({ keys: [DEMO_IDP_PUBLIC_JWK] }))}, ${sqlString(JSON.stringify(["ES256"]))}, ` +
    `${sqlString(JSON.stringify({ subject: "sub", email: "email", name: "name" }))}, 1 ` +
    `WHERE ${demoTenant} IS NOT NULL ON CONFLICT DO NOTHING`;
  const settings =
    "INSERT INTO tenant_settings (tenant_id, allow_jwt_for_unauthenticated_users, enabled_auth_types, admin_identities) " +
    `SELECT ${demoTenant}, 1, ${sqlString(JSON.stringify(["business"]))}, ` +
    `${sqlString(JSON.stringify([{ issuer: DEMO_IDP.issuer, subject: DEMO_IDP.adminSubject }]))} ` +
    `WHERE ${demoTenant} IS NOT NULL ON CONFLICT DO NOTHING`;
  return [provider, settings];
}
