import { type ApiKeyPrincipal, type Principal, USER_TYPES, type UserPrincipal, type UserType } from "../domain";
import { AppError } from "../errors";
import { readBearerToken } from "../middleware/bearer-auth";
import { authenticateApiKey } from "../services/api-keys/verification";
import type { Deps } from "../services/deps";
import { authenticateCookieSession } from "../services/sessions/cookie-sessions";
import { authenticateAccessToken } from "../services/sessions/token-sessions";
import type { CredentialKind, GatewayRoute } from "./route-table";

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
    // The same code each credential's own service would answer with, so clients see one vocabulary.
    const detail = `empty or oversized ${kind}`;
    if (kind === "api_key")
      throw new AppError("invalid_api_key", { detail, reason: "invalid_format", challenge: kind });
    if (kind === "session") throw new AppError("invalid_session", { detail, challenge: kind });
    throw new AppError("invalid_token", { detail, challenge: kind });
  }
  return trimmed;
}

async function principalFromBearer(deps: Deps, presented: PresentedCredentials): Promise<Principal> {
  const token = readBearerToken(presented.authorization);
  if (!token) throw new AppError("missing_credentials", { challenge: "bearer" });
  const userType = presented.userType;
  if (!userType || !USER_TYPES.includes(userType as UserType)) {
    throw new AppError("invalid_token", { detail: "missing or unknown User-Type", challenge: "bearer" });
  }
  return authenticateAccessToken(deps, token, userType as UserType);
}

async function principalFromApiKey(deps: Deps, presented: PresentedCredentials): Promise<ApiKeyPrincipal> {
  const rawKey = boundedCredential(presented.apiKey, "api_key");
  return authenticateApiKey(deps, rawKey);
}

async function principalFromSessionCookie(deps: Deps, presented: PresentedCredentials): Promise<UserPrincipal> {
  const cookie = boundedCredential(presented.sessionCookie, "session");
  return authenticateCookieSession(deps, cookie);
}

/**
 * One function per credential kind, each calling the service that owns the credential: Ping access
 * tokens (`ping-auth`), API keys (`api-keys`: memory → Cache API → D1), cookie sessions
 * (`cookie-sessions`: one cached KV read). The bounds above run first, so nothing empty or
 * oversized reaches a cache or storage.
 */
const authenticators: Record<CredentialKind, (deps: Deps, presented: PresentedCredentials) => Promise<Principal>> = {
  bearer: principalFromBearer,
  api_key: principalFromApiKey,
  session: principalFromSessionCookie,
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
