import type { PresentedCredentials } from "../services/auth/credentials";
import { sessionCookieOf } from "./session-cookie";

/** The header an API key travels in (Ping's contract). Lower case, as `Headers` iterates names. */
export const API_KEY_HEADER = "x-ping-api-key";
/** A known device's login token, for token clients without a cookie jar (see `http/device-token`). */
export const DEVICE_TOKEN_HEADER = "gatehouse-device-token";
/** The header naming the user type a Ping bearer token was issued for. */
export const USER_TYPE_HEADER = "user-type";

/** The request headers Gatehouse itself parses as credentials. */
export const CREDENTIAL_HEADERS = ["authorization", "cookie", API_KEY_HEADER, USER_TYPE_HEADER] as const;

interface RequestHeaders {
  header(name: string): string | undefined;
}

/** Every credential a request presents, read once, for `services/auth`. */
export function presentedCredentials(request: RequestHeaders): PresentedCredentials {
  return {
    authorization: request.header("authorization"),
    userType: request.header(USER_TYPE_HEADER),
    apiKey: request.header(API_KEY_HEADER),
    sessionCookie: sessionCookieOf(request.header("cookie")),
    origin: request.header("origin"),
  };
}
