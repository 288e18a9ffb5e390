import type { CredentialKind, Principal, UserType } from "../../domain";
import { AppError } from "../../errors";
import { type ApiKeyRequirements, authenticateApiKey, authorizeApiKey } from "../api-keys/verification";
import type { Deps } from "../deps";
import { authenticateCookieSession } from "../sessions/cookie-sessions";
import { authenticateAccessToken } from "../sessions/token-sessions";
import {
  boundedCredential,
  type PresentedCredentials,
  presentedKind,
  readBearerToken,
  readUserType,
} from "./credentials";

/** What a route (one of Gatehouse's own, or a gateway route) accepts as proof of who is calling. */
export interface CredentialPolicy {
  /** The credential kinds accepted; the first is the one a 401 challenges for. */
  accept: readonly CredentialKind[];
  /** User types let through (bearer and cookie); every type when absent. */
  userTypes?: ReadonlySet<UserType> | readonly UserType[];
  /** What an API key must carry; nothing beyond being usable when absent. */
  apiKey?: ApiKeyRequirements;
  /** Bearer: whether `User-Type` must be stated (Ping's contract); only logout lets it be left out. */
  userTypeRequired?: boolean;
  /** A request presenting no accepted credential goes on without a principal instead of a 401. */
  optional?: boolean;
}

type Authenticator = (deps: Deps, presented: PresentedCredentials, policy: CredentialPolicy) => Promise<Principal>;

/**
 * One function per credential kind, each calling the service that owns the credential: Ping access
 * tokens (`sessions/token-sessions`), API keys (`api-keys/verification`: memory → Cache API → D1),
 * cookie sessions (`sessions/cookie-sessions`: one cached KV read). The bounds run first, so
 * nothing empty or oversized reaches a cache or storage.
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
};

/** Errors from a credential's service always carry that credential's challenge (RFC 6750 §3). */
function withChallenge(kind: CredentialKind, error: unknown): unknown {
  if (!(error instanceof AppError) || error.options.challenge) return error;
  return new AppError(error.code, { ...error.options, challenge: kind });
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
  const kind = presentedKind(presented);
  if (kind === null || !policy.accept.includes(kind)) {
    if (policy.optional) return null;
    throw new AppError("missing_credentials", {
      challenge: policy.accept[0],
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
  if (principal.method !== "api_key" && !allowsUserType(policy, principal.userType)) {
    throw new AppError("insufficient_permission", {
      challenge: kind,
      reason: "user_type_not_allowed",
      detail: `${principal.userType} not among the accepted user types`,
    });
  }
  return principal;
}
