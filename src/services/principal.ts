import type { UserType } from "../storage/schema";

/** What an API key may be granted (the Ping seed's granular permissions). */
export const API_KEY_PERMISSIONS = ["sms", "email", "whatsapp", "templates", "bulk"] as const;
export type ApiKeyPermission = (typeof API_KEY_PERMISSIONS)[number];

/** Whoever a request was authenticated as, however it was authenticated. */
export type Principal =
  | { method: "jwt"; userPublicId: string; userType: UserType; sessionId: string }
  | { method: "session"; userPublicId: string; userType: UserType; sessionId: string }
  | {
      method: "api_key";
      keyId: string;
      tenantId: string;
      kind: "publishable" | "secret";
      mode: "test" | "live";
      permissions: string[];
    };

export type AuthMethod = Principal["method"];

/** A person signed in with a token or a cookie: the principals that have a user and a session. */
export type UserPrincipal = Extract<Principal, { method: "jwt" | "session" }>;

export type ApiKeyPrincipal = Extract<Principal, { method: "api_key" }>;
