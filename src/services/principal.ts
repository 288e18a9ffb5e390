import type { UserType } from "../storage/schema";

/** Whoever a request was authenticated as, however it was authenticated. */
export type Principal =
  | { method: "jwt"; userPublicId: string; userType: UserType; sessionId: string }
  | { method: "session"; userPublicId: string; userType: UserType; sessionId: string };

export type AuthMethod = Principal["method"];
