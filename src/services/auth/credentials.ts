import { type CredentialKind, USER_TYPES, type UserType } from "../../domain";
import { AppError } from "../../errors";

/** What a request presents, as read from its headers and cookies (`http/credential-headers.ts`). */
export interface PresentedCredentials {
  /** `Authorization`. */
  authorization: string | undefined;
  /** `User-Type`, which Ping sends with a bearer token. */
  userType: string | undefined;
  /** `X-Ping-Api-Key`. */
  apiKey: string | undefined;
  /** The `session_token` cookie's value. */
  sessionCookie: string | undefined;
  /** `Origin`: not a credential, but what a publishable key's origin list is checked against. */
  origin: string | undefined;
}

/** A credential longer than this is refused before anything looks it up. */
const MAX_CREDENTIAL_LENGTH = 512;

/** The scheme is case-insensitive (RFC 9110 §11.1); the token is RFC 6750's b64token. */
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * Which credential a request presents. One fixed order, whatever the route accepts, so a client
 * can never pick the weaker of two credentials it sends: `Authorization`, then `X-Ping-Api-Key`,
 * then the session cookie. `Authorization` is `bearer` here; whether it holds a Ping or a PERS
 * access token is for the route's policy to say (`services/auth/authenticate.ts`).
 */
export function presentedKind(presented: PresentedCredentials): Exclude<CredentialKind, "pers"> | null {
  if (presented.authorization !== undefined) return "bearer";
  if (presented.apiKey !== undefined) return "api_key";
  if (presented.sessionCookie !== undefined) return "session";
  return null;
}

/** The token of `Authorization: Bearer <token>` (RFC 6750 §2.1), or null for anything else. */
export function bearerTokenOf(header: string): string | null {
  return BEARER.exec(header.trim())?.[1] ?? null;
}

/** The token of `Authorization: Bearer <token>` (RFC 6750 §2.1); anything else there is a bad token. */
export function readBearerToken(header: string): string {
  const token = bearerTokenOf(header);
  if (token === null) {
    throw new AppError("invalid_token", { detail: "malformed Authorization header", challenge: "bearer" });
  }
  return token;
}

/**
 * The user type a bearer token is presented for. Ping's clients always state it; where a route
 * lets it be left out (logout), an absent one is `undefined` and an unknown one still a 400.
 */
export function readUserType(header: string | undefined, required: boolean): UserType | undefined {
  // Whitespace around a header's value is not part of it (RFC 9110 §5.5).
  const stated = header?.trim();
  if (stated !== undefined && USER_TYPES.includes(stated as UserType)) return stated as UserType;
  if (required && stated === undefined) {
    throw new AppError("missing_user_type", { detail: "bearer token without User-Type", challenge: "bearer" });
  }
  if (required) {
    throw new AppError("invalid_token", { detail: "missing or unknown User-Type", challenge: "bearer" });
  }
  if (stated !== undefined) throw new AppError("invalid_user_type");
  return undefined;
}

/** The presented value, trimmed; an empty or oversized one is refused as that credential's own failure. */
export function boundedCredential(value: string | undefined, kind: "api_key" | "session"): string {
  const trimmed = value?.trim() ?? "";
  if (trimmed !== "" && trimmed.length <= MAX_CREDENTIAL_LENGTH) return trimmed;
  const detail = `empty or oversized ${kind}`;
  if (kind === "api_key") {
    throw new AppError("invalid_api_key", { detail, reason: "invalid_format", challenge: kind });
  }
  throw new AppError("invalid_session", { detail, challenge: kind });
}
