import type { CredentialKind, CredentialPolicy, Principal, UserType } from "../../domain";
import { AppError, type Challenge } from "../../errors";
import { authenticateApiKey, authorizeApiKey } from "../api-keys/verification";
import type { Deps } from "../deps";
import { authenticateCookieSession } from "../sessions/cookie-sessions";
import { authenticateAccessToken } from "../sessions/token-sessions";
import { authenticatePersAccessToken, authorizePersPrincipal } from "../token-exchange/pers-sessions";
import { persTokenKindOf } from "../token-exchange/pers-tokens";
import {
  bearerTokenOf,
  boundedCredential,
  type PresentedCredentials,
  presentedKind,
  readBearerToken,
  readUserType,
} from "./credentials";

type Authenticator = (deps: Deps, presented: PresentedCredentials, policy: CredentialPolicy) => Promise<Principal>;

/**
 * One function per credential kind, each calling the service that owns the credential: Ping access
 * tokens (`sessions/token-sessions`), API keys (`api-keys/verification`: memory → Cache API → D1),
 * cookie sessions (`sessions/cookie-sessions`: one cached KV read), PERS access tokens
 * (`token-exchange/pers-sessions`: one cached KV read). The bounds run first, so nothing empty or
 * oversized reaches a cache or storage.
 */
const authenticators: Record<CredentialKind, Authenticator> = {
  bearer: (deps, presented, policy) => {
    const token = readBearerToken(presented.authorization ?? "");
    const userType = readUserType(presented.userType, policy.userTypeRequired ?? true);
    return authenticateAccessToken(deps, token, userType);
  },
  api_key: async (deps, presented, policy) => {
    const principal = await authenticateApiKey(deps, boundedCredential(presented.apiKey, "api_key"), presented.origin);
    if (policy.apiKey) authorizeApiKey(principal, policy.apiKey);
    return principal;
  },
  session: (deps, presented) => authenticateCookieSession(deps, boundedCredential(presented.sessionCookie, "session")),
  pers: async (deps, presented, policy) => {
    const principal = await authenticatePersAccessToken(deps, readBearerToken(presented.authorization ?? ""));
    if (policy.pers) authorizePersPrincipal(principal, policy.pers);
    return principal;
  },
};

/** PERS access tokens travel as bearer tokens (RFC 6750), so they are challenged for as such. */
function challengeFor(kind: CredentialKind): Challenge {
  return kind === "pers" ? "bearer" : kind;
}

/** Errors from a credential's service always carry that credential's challenge (RFC 6750 §3). */
function withChallenge(kind: CredentialKind, error: unknown): unknown {
  if (!(error instanceof AppError) || error.options.challenge) return error;
  return new AppError(error.code, { ...error.options, challenge: challengeFor(kind) });
}

/**
 * `Authorization: Bearer` carries either a Ping access token or a PERS access token. A policy
 * that accepts one of the two gets that one's verifier; one that accepts both tells them apart
 * by the token's `typ` header. That header is read before anything is verified, which is safe:
 * each verifier insists on its own `typ` under the signature (and its own audience), so a token
 * that lies about its `typ` only picks a verifier that refuses it.
 */
function authorizationKind(presented: PresentedCredentials, policy: CredentialPolicy): "bearer" | "pers" {
  if (!policy.accept.includes("pers")) return "bearer";
  if (!policy.accept.includes("bearer")) return "pers";
  const token = bearerTokenOf(presented.authorization ?? "");
  return token !== null && persTokenKindOf(token) !== null ? "pers" : "bearer";
}

function allowsUserType(policy: CredentialPolicy, userType: UserType): boolean {
  const { userTypes } = policy;
  if (!userTypes) return true;
  return "has" in userTypes ? userTypes.has(userType) : userTypes.includes(userType);
}

/**
 * The principal behind a request's credentials under `policy`, or null when the policy is
 * optional and none of its kinds was presented. No credential, or one of a kind the policy does
 * not accept, is a 401 challenging for the first accepted kind, without an error code (RFC 6750
 * §3.1); a person of a user type not let through is a 403.
 */
export async function authenticateCredentials(
  deps: Deps,
  presented: PresentedCredentials,
  policy: CredentialPolicy,
): Promise<Principal | null> {
  const presentedAs = presentedKind(presented);
  const kind = presentedAs === "bearer" ? authorizationKind(presented, policy) : presentedAs;
  if (kind === null || !policy.accept.includes(kind)) {
    if (policy.optional) return null;
    const first = policy.accept[0];
    throw new AppError("missing_credentials", {
      challenge: first && challengeFor(first),
      ...(kind === null
        ? {}
        : { reason: "credential_not_accepted", detail: `${kind} presented; accepted: ${policy.accept.join(", ")}` }),
    });
  }
  let principal: Principal;
  try {
    principal = await authenticators[kind](deps, presented, policy);
  } catch (error) {
    throw withChallenge(kind, error);
  }
  if ((principal.method === "jwt" || principal.method === "session") && !allowsUserType(policy, principal.userType)) {
    throw new AppError("insufficient_permission", {
      challenge: challengeFor(kind),
      reason: "user_type_not_allowed",
      detail: `${principal.userType} not among the accepted user types`,
    });
  }
  return principal;
}
