import type { ClientInfo, UserPrincipal } from "../../domain";
import { AppError } from "../../errors";
import type { UserRow } from "../../storage/schema";
import { recordAudit } from "../audit/audit-log";
import { authenticatePassword } from "../auth/password-login";
import type { Deps } from "../deps";
import { findCookieSession, startCookieSession } from "./cookie-sessions";
import { revokeSession, sessionPrincipal } from "./session-records";

/**
 * Dashboard sessions: every user type signs in to `/dashboard` with email and password, through
 * the same password check, rate limits and audit as both seed logins. Such a session is of its
 * own kind (`dashboard`), so its cookie is never a `session_token` (PingPage stays `user`-only)
 * nor a bearer token (admin users and agents keep explicit tokens for the APIs). It lasts 12
 * hours from sign-in, not sliding: a staff console should not stay open for a month.
 */
export const DASHBOARD_SESSION_TTL_SECONDS = 12 * 60 * 60;

export interface DashboardSignIn {
  user: UserRow;
  /** The dashboard cookie's value; shown to this client once, never stored. */
  cookieValue: string;
}

export async function signInToDashboard(
  deps: Deps,
  input: { email: string; password: string; client: ClientInfo },
): Promise<DashboardSignIn> {
  const { user } = await authenticatePassword(deps, { ...input, flow: "dashboard" });
  const cookieValue = await startCookieSession(deps, user, input.client, "dashboard", DASHBOARD_SESSION_TTL_SECONDS);
  return { user, cookieValue };
}

/** The principal a dashboard cookie proves; any failure is `invalid_session` (the page then asks to sign in). */
export async function authenticateDashboardSession(
  deps: Deps,
  cookieValue: string | undefined,
): Promise<UserPrincipal> {
  if (!cookieValue) throw new AppError("missing_credentials", { challenge: "session" });
  const found = await findCookieSession(deps, cookieValue, "dashboard");
  if (!found.ok) throw new AppError("invalid_session", { detail: found.reason, challenge: "session" });
  return sessionPrincipal(found.session);
}

/** Ends the dashboard session the cookie proves; idempotent like PingPage's logout. */
export async function signOutOfDashboard(
  deps: Deps,
  cookieValue: string | undefined,
  client: ClientInfo,
): Promise<void> {
  if (!cookieValue) return;
  const found = await findCookieSession(deps, cookieValue, "dashboard");
  if (!found.ok) return;
  const { session } = found;
  await revokeSession(deps, session.userPublicId, session.id);
  recordAudit(
    deps,
    { principal: sessionPrincipal(session), ...client },
    { action: "auth.logout", target: session.userPublicId, details: { session_id: session.id, flow: "dashboard" } },
  );
}
