import { AppError } from "../errors";
import { readBearerToken } from "../middleware/bearer-auth";
import { authenticateApiKey as verifyApiKeyCredential } from "../services/api-keys";
import { authenticateCookieSession } from "../services/cookie-sessions";
import type { Deps } from "../services/deps";
import { authenticateAccessToken } from "../services/ping-auth";
import type { ApiKeyPrincipal, Principal } from "../services/principal";
import { USER_TYPES, type UserType } from "../storage/schema";
import type { CredentialKind, GatewayRoute } from "./route-table";

/** The PingPage session cookie. */
export const SESSION_COOKIE = "session_token";
export const API_KEY_HEADER = "x-ping-api-key";

/** A credential longer than this is refused before anything looks it up. */
const MAX_CREDENTIAL_LENGTH = 512;

/** What the client presented, read from its headers and cookies by the route handler. */
export interface PresentedCredentials {
  authorization: string | undefined;
  userType: string | undefined;
  apiKey: string | undefined;
  sessionCookie: string | undefined;
}

export type ApiKeyAuthenticator = (deps: Deps, rawKey: string) => Promise<Principal>;
export type SessionCookieAuthenticator = (deps: Deps, cookieValue: string) => Promise<Principal>;

/**
 * How API keys and session cookies are checked: by the services that own them. (A registry rather
 * than direct calls only so that older gateway tests can substitute stand-ins; being replaced.)
 */
export const credentialAuthenticators: { apiKey: ApiKeyAuthenticator; sessionCookie: SessionCookieAuthenticator } = {
  apiKey: verifyApiKeyCredential,
  sessionCookie: authenticateCookieSession,
};

/**
 * Which credential the request presents. One fixed order, whatever the route accepts, so a client
 * can never pick the weaker of two credentials it sends: `Authorization`, then `X-Ping-Api-Key`,
 * then the session cookie.
 */
export function presentedKind(presented: PresentedCredentials): CredentialKind | null {
  if (presented.authorization !== undefined) return "bearer";
  if (presented.apiKey !== undefined) return "api_key";
  if (presented.sessionCookie !== undefined) return "session";
  return null;
}

/** Errors from a credential's service always carry that credential's challenge (RFC 6750 §3). */
function withChallenge(kind: CredentialKind, error: unknown): unknown {
  if (!(error instanceof AppError) || error.options.challenge) return error;
  return new AppError(error.code, { ...error.options, challenge: kind });
}

function boundedCredential(value: string | undefined, kind: CredentialKind): string {
  const trimmed = value?.trim() ?? "";
  if (trimmed === "" || trimmed.length > MAX_CREDENTIAL_LENGTH) {
    throw new AppError("invalid_token", { detail: `empty or oversized ${kind}`, challenge: kind });
  }
  return trimmed;
}

export async function authenticateBearer(deps: Deps, presented: PresentedCredentials): Promise<Principal> {
  const token = readBearerToken(presented.authorization);
  if (!token) throw new AppError("missing_credentials", { challenge: "bearer" });
  const userType = presented.userType;
  if (!userType || !USER_TYPES.includes(userType as UserType)) {
    throw new AppError("invalid_token", { detail: "missing or unknown User-Type", challenge: "bearer" });
  }
  return authenticateAccessToken(deps, token, userType as UserType);
}

export async function authenticateApiKey(deps: Deps, presented: PresentedCredentials): Promise<ApiKeyPrincipal> {
  const rawKey = boundedCredential(presented.apiKey, "api_key");
  const principal = await credentialAuthenticators.apiKey(deps, rawKey);
  if (principal.method !== "api_key") throw new Error("the API key authenticator returned a non-key principal");
  return principal;
}

export async function authenticateSessionCookie(deps: Deps, presented: PresentedCredentials): Promise<Principal> {
  const cookie = boundedCredential(presented.sessionCookie, "session");
  const principal = await credentialAuthenticators.sessionCookie(deps, cookie);
  if (principal.method !== "session") throw new Error("the session authenticator returned a non-session principal");
  return principal;
}

const authenticators: Record<CredentialKind, (deps: Deps, presented: PresentedCredentials) => Promise<Principal>> = {
  bearer: authenticateBearer,
  api_key: authenticateApiKey,
  session: authenticateSessionCookie,
};

/**
 * The principal behind a request on `route`, or null on a public route (which ignores whatever
 * credential it is sent). No credential, or one of a kind the route does not accept, is a 401
 * challenging for the route's first accepted kind, without an error code (RFC 6750 §3.1).
 */
export async function authenticateForRoute(
  deps: Deps,
  route: GatewayRoute,
  presented: PresentedCredentials,
): Promise<Principal | null> {
  if (route.isPublic) return null;
  const challenge = route.credentials[0];
  const kind = presentedKind(presented);
  if (kind === null) throw new AppError("missing_credentials", { challenge });
  if (!route.credentials.includes(kind)) {
    throw new AppError("missing_credentials", {
      challenge,
      reason: "credential_not_accepted",
      detail: `${kind} presented; route ${route.name} accepts ${route.credentials.join(", ")}`,
    });
  }
  try {
    return await authenticators[kind](deps, presented);
  } catch (error) {
    throw withChallenge(kind, error);
  }
}
