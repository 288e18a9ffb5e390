import type { ApiKeyKind, ApiKeyMode, ApiKeyPermission, UserType } from "../storage/schema";

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
    };

export type AuthMethod = Principal["method"];

/** A person signed in with a token or a cookie. */
export type UserPrincipal = Extract<Principal, { method: "jwt" | "session" }>;

export type ApiKeyPrincipal = Extract<Principal, { method: "api_key" }>;
