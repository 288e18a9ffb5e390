import type { JWTPayload } from "jose";
import { signJwt } from "../crypto/jwt";
import { randomId } from "../crypto/random";
import type { SigningKeySet } from "../crypto/signing-keys";
import type { Principal } from "../domain";
import { CACHE_BUDGET_BYTES, ENTRY_OVERHEAD_BYTES, NUMBER_BYTES, objectBytes, stringBytes } from "../isolate-memory";
import { LruCache } from "../lru-cache";
import type { Deps } from "../services/deps";

/**
 * `X-Auth-Assertion`: a short-lived JWT, signed with the gateway's key, for one audience (the
 * upstream actually targeted: a sandbox's is `sandbox:` + the live one), carrying the same
 * identity as the `X-Auth-*` headers. An origin that verifies it against `/.well-known/jwks.json`
 * for its own audience alone never has to trust a bare header, nor a sandbox's assertion.
 */
export const ASSERTION_TYPE = "gatehouse-assertion+jwt";
export const ASSERTION_TTL_SECONDS = 60;

/**
 * One signature per principal and audience every half lifetime, instead of one per request: an
 * origin always receives an assertion with at least 30 s left. It proves where the identity came
 * from; it is not a one-time token, so origins must not treat its `jti` as a nonce.
 */
const REUSE_MS = (ASSERTION_TTL_SECONDS / 2) * 1000;

interface SignedAssertion {
  token: string;
  reuseUntilMs: number;
  keys: SigningKeySet;
}

/** One entry: its key (the audience and the principal, as JSON) and the signed token. */
export function signedAssertionBytes(key: string, signed: SignedAssertion): number {
  return ENTRY_OVERHEAD_BYTES + stringBytes(key) + objectBytes(3) + NUMBER_BYTES + stringBytes(signed.token);
}

const signed = new LruCache<string, SignedAssertion>({
  maxBytes: CACHE_BUDGET_BYTES.assertions,
  sizeOf: signedAssertionBytes,
});
/** Signatures under way, so that concurrent requests of one principal share one (bounded by requests in flight). */
const signing = new Map<string, { token: Promise<string>; reuseUntilMs: number; keys: SigningKeySet }>();

export interface AssertionClaims extends JWTPayload {
  auth_method: Principal["method"];
  user_type?: string;
  session_id?: string;
  tenant_id?: string;
  key_id?: string;
  permissions?: string[];
  mode?: "test" | "live";
  tenant_user_id?: string;
  auth_type?: string;
  anonymous?: boolean;
}

function identityOf(principal: Principal): { subject: string; claims: AssertionClaims } {
  switch (principal.method) {
    case "api_key":
      return {
        subject: principal.keyId,
        claims: {
          auth_method: principal.method,
          tenant_id: principal.tenantId,
          key_id: principal.keyId,
          permissions: [...principal.permissions],
          mode: principal.mode,
        },
      };
    case "pers":
      return {
        subject: principal.tenantUserId,
        claims: {
          auth_method: principal.method,
          tenant_id: principal.tenantId,
          tenant_user_id: principal.tenantUserId,
          auth_type: principal.authType,
          session_id: principal.familyId,
          anonymous: principal.anonymous,
          mode: principal.mode,
        },
      };
    case "jwt":
    case "session":
      return {
        subject: principal.userPublicId,
        claims: { auth_method: principal.method, user_type: principal.userType, session_id: principal.sessionId },
      };
  }
}

export function identityAssertion(deps: Deps, principal: Principal, audience: string): Promise<string> {
  // The principal holds everything the claims are made of, so it keys the cache on its own.
  const key = JSON.stringify([audience, principal]);
  const nowMs = deps.now.getTime();
  const cached = signed.get(key);
  if (cached && cached.reuseUntilMs > nowMs && cached.keys === deps.keys) return Promise.resolve(cached.token);
  const pending = signing.get(key);
  if (pending && pending.reuseUntilMs > nowMs && pending.keys === deps.keys) return pending.token;

  const { subject, claims } = identityOf(principal);
  const token = signJwt(deps.keys, claims, {
    typ: ASSERTION_TYPE,
    issuer: deps.config.issuer,
    audience,
    ttlSeconds: ASSERTION_TTL_SECONDS,
    now: deps.now,
    jti: randomId(),
    subject,
  });
  const entry = { token, reuseUntilMs: nowMs + REUSE_MS, keys: deps.keys };
  signing.set(key, entry);
  token.then(
    (value) => {
      if (signing.get(key) !== entry) return;
      signing.delete(key);
      signed.set(key, { token: value, reuseUntilMs: entry.reuseUntilMs, keys: entry.keys });
    },
    () => {
      if (signing.get(key) === entry) signing.delete(key);
    },
  );
  return token;
}
