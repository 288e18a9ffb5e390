/**
 * The shared vocabulary: who can sign in and how, what keys and tenants are made of. Every layer
 * speaks it; it imports nothing, so no layer needs storage to name a user type.
 */

export const USER_TYPES = ["user", "adminuser", "agent"] as const;
export type UserType = (typeof USER_TYPES)[number];

export const USER_STATUSES = ["active", "disabled"] as const;
export type UserStatus = (typeof USER_STATUSES)[number];
export const BUSINESS_STATUSES = ["pending", "verified", "suspended"] as const;
export type BusinessStatus = (typeof BUSINESS_STATUSES)[number];
/**
 * A member's role in a business, most powerful first (see services/admin/member-roles.ts for what
 * each may do). `adminuser` accounts are not bound by roles.
 */
export const MEMBER_ROLES = ["owner", "admin", "developer", "viewer"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/**
 * Both kinds carry permissions. A publishable key may sit in a browser or an app (it names a PERS
 * tenant, and may be limited to browser origins); a secret key is a server's and never leaves it.
 */
export const API_KEY_KINDS = ["publishable", "secret"] as const;
export type ApiKeyKind = (typeof API_KEY_KINDS)[number];
/** Test keys never reach a live side effect (the gateway marks and may divert them). */
export const API_KEY_MODES = ["test", "live"] as const;
export type ApiKeyMode = (typeof API_KEY_MODES)[number];
export const API_KEY_PERMISSIONS = ["sms", "email", "whatsapp", "templates", "bulk"] as const;
export type ApiKeyPermission = (typeof API_KEY_PERMISSIONS)[number];
/** Permissions only owners and admins may grant: `bulk` sends to many recipients at once. */
export const DANGEROUS_API_KEY_PERMISSIONS: readonly ApiKeyPermission[] = ["bulk"];

/**
 * How a request can authenticate: a Ping access token in `Authorization: Bearer`, `X-Ping-Api-Key`,
 * the `session_token` cookie, or a PERS access token in `Authorization: Bearer` (`pers`).
 */
export const CREDENTIAL_KINDS = ["bearer", "api_key", "session", "pers"] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

/** What a session or an audit row remembers about the client behind a request. */
export interface ClientInfo {
  userAgent?: string;
  ip?: string;
}

/** Algorithms a tenant may allow for its identity providers. Never HS* (shared secrets) or none. */
export const IDP_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"] as const;
export type IdpAlgorithm = (typeof IDP_ALGORITHMS)[number];

/** `authType`s of the token exchange. `user` is always on; `tenant` is governed by the admin list. */
export const PERS_AUTH_TYPES = ["user", "business", "tenant", "system", "external"] as const;
export type PersAuthType = (typeof PERS_AUTH_TYPES)[number];
/** The auth types a tenant switches on explicitly. */
export const OPT_IN_AUTH_TYPES = ["business", "system", "external"] as const;
export type OptInAuthType = (typeof OPT_IN_AUTH_TYPES)[number];

export const TENANT_USER_KINDS = ["external", "anonymous"] as const;
export type TenantUserKind = (typeof TENANT_USER_KINDS)[number];
/** A disabled tenant user is refused at exchange and refresh; an operator sets it (admin API). */
export const TENANT_USER_STATUSES = ["active", "disabled"] as const;
export type TenantUserStatus = (typeof TENANT_USER_STATUSES)[number];

export const REFRESH_TOKEN_STATUSES = ["active", "rotated", "revoked"] as const;
export type RefreshTokenStatus = (typeof REFRESH_TOKEN_STATUSES)[number];

/** Which claims of a provider's token name the subject, the email and the display name. */
export interface ClaimMapping {
  subject: string;
  email?: string;
  name?: string;
}

export interface AdminIdentity {
  issuer: string;
  subject: string;
}

/** A public JWK as a tenant supplied it; validated before it is stored (no private members). */
export type PublicJwk = Record<string, unknown> & { kty: string; kid: string };

/** Whoever a request was authenticated as, however it was authenticated. */
export type Principal =
  | { method: "jwt"; userPublicId: string; userType: UserType; sessionId: string }
  | { method: "session"; userPublicId: string; userType: UserType; sessionId: string }
  | {
      method: "api_key";
      /** The key's public id (`key_…`), never the key itself. */
      keyId: string;
      /** Public id of the business the key belongs to. */
      tenantId: string;
      kind: ApiKeyKind;
      mode: ApiKeyMode;
      permissions: readonly ApiKeyPermission[];
    }
  | {
      /** A PERS access token (token exchange, `/v2/auth/token`). */
      method: "pers";
      /** Public id of the tenant (business) the token was exchanged at. */
      tenantId: string;
      /** Public id of the tenant user, unique within Gatehouse (not a Ping user id). */
      tenantUserId: string;
      authType: PersAuthType;
      /** The refresh-token family: the PERS session every token of one exchange belongs to. */
      familyId: string;
      /** An unauthenticated user (`rawLoginData`), not one an identity provider vouched for. */
      anonymous: boolean;
      /** The mode of the project key the token's family was exchanged with. */
      mode: ApiKeyMode;
    };

export type AuthMethod = Principal["method"];

/** A person signed in with a token or a cookie. */
export type UserPrincipal = Extract<Principal, { method: "jwt" | "session" }>;

export type ApiKeyPrincipal = Extract<Principal, { method: "api_key" }>;

export type PersPrincipal = Extract<Principal, { method: "pers" }>;

/** What a route may require of an API key beyond its being usable. */
export interface ApiKeyRequirements {
  /** Every one of these permissions is required. */
  permissions?: readonly ApiKeyPermission[];
  /** Only keys of these kinds; any kind by default. */
  kinds?: readonly ApiKeyKind[];
  /** Test keys are refused: the route has no sandbox and must never see one. */
  liveOnly?: boolean;
}

/** What a route may require of a PERS access token. */
export interface PersRequirements {
  /** Only these auth types; every one when absent. */
  authTypes?: ReadonlySet<PersAuthType>;
  /** Only tokens exchanged at these tenants (public ids); any tenant when absent. */
  tenants?: ReadonlySet<string>;
  /** Refuse sessions exchanged with a test project key (the route's `liveOnly`). */
  liveOnly?: boolean;
}

/** What a route (one of Gatehouse's own, or a gateway route) accepts as proof of who is calling. */
export interface CredentialPolicy {
  /** The credential kinds accepted; the first is the one a 401 challenges for. */
  accept: readonly CredentialKind[];
  /** User types let through (bearer and cookie); every type when absent. */
  userTypes?: ReadonlySet<UserType> | readonly UserType[];
  /** What an API key must carry; nothing beyond being usable when absent. */
  apiKey?: ApiKeyRequirements;
  /** Which tenants and auth types a PERS access token may be of; any when absent. */
  pers?: PersRequirements;
  /** Bearer: whether `User-Type` must be stated (Ping's contract); only logout lets it be left out. */
  userTypeRequired?: boolean;
  /** A request presenting no accepted credential goes on without a principal instead of a 401. */
  optional?: boolean;
}
