import type { ClientInfo, UserPrincipal } from "../../domain";
import type { UserRow } from "../../storage/schema";
import { authenticatePassword } from "../auth/password-login";
import type { Deps } from "../deps";
import { authenticateCookieSession, logoutCookieSession, startCookieSession } from "./cookie-sessions";

/**
 * Dashboard sessions: every user type signs in to `/dashboard` with email and password, through
 * the same password check, rate limits and audit as both seed logins. Such a session is of its
 * own kind (`dashboard`), so its cookie is never a `session_token` (PingPage stays `user`-only)
 * nor a bearer token (admin users and agents keep explicit tokens for the APIs). It lasts 12
 * hours from sign-in, not sliding: a staff console should not stay open for a month. A device
 * token from an earlier sign-in makes the account-wide failure limit give way to that device's own,
 * as on the API logins (password-login.ts).
 */
export const DASHBOARD_SESSION_TTL_SECONDS = 12 * 60 * 60;

export interface DashboardSignIn {
  user: UserRow;
  /** The dashboard cookie's value; shown to this client once, never stored. */
  cookieValue: string;
}

export async function signInToDashboard(
  deps: Deps,
  input: { email: string; password: string; client: ClientInfo; deviceToken?: string },
): Promise<DashboardSignIn> {
  const { user } = await authenticatePassword(deps, { ...input, flow: "dashboard" });
  const cookieValue = await startCookieSession(deps, user, input.client, "dashboard", DASHBOARD_SESSION_TTL_SECONDS);
  return { user, cookieValue };
}

/** The principal a dashboard cookie proves; any failure is `invalid_session` (the page then asks to sign in). */
export function authenticateDashboardSession(deps: Deps, cookieValue: string | undefined): Promise<UserPrincipal> {
  return authenticateCookieSession(deps, cookieValue, "dashboard");
}

/** Ends the dashboard session the cookie proves; idempotent like PingPage's logout. */
export function signOutOfDashboard(deps: Deps, cookieValue: string | undefined, client: ClientInfo): Promise<void> {
  return logoutCookieSession(deps, cookieValue, client, "dashboard");
}
