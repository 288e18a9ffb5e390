import { Hono } from "hono";
import { AppError } from "../../errors";
import { clientInfo } from "../../http/client-info";
import { sessionIdSchema } from "../../http/schemas/pingpage";
import { signOutOfDashboard } from "../../services/sessions/dashboard-sessions";
import { listOwnSessions, revokeOtherSessions, revokeOwnSession } from "../../services/sessions/session-list";
import type { SessionRecord } from "../../storage/session-store";
import type { DashboardEnv } from "../context";
import { clearDashboardCookie, dashboardCookieOf } from "../cookie";
import { renderPage } from "../render";
import { Confirmation } from "../views/confirm";
import { Notice, TableOrEmpty } from "../views/forms";

const KIND_NAMES: Record<SessionRecord["kind"], string> = {
  token: "API token (Ping)",
  cookie: "Browser cookie (PingPage)",
  dashboard: "Dashboard",
};
/** The id in the path, checked with the JSON API's schema before it names a KV key. */
function sessionIdOf(raw: string | undefined): string {
  const parsed = sessionIdSchema.safeParse(raw);
  if (!parsed.success) throw new AppError("not_found", { detail: "not a session id" });
  return parsed.data;
}

const at = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/** The caller's own sessions, through the same service as `/v1/sessions`. */
export const sessionRoutes = new Hono<DashboardEnv>()
  .get("/dashboard/sessions", async (c) => {
    const principal = c.get("principal");
    const sessions = await listOwnSessions(c.get("deps"), principal);
    const notice = c.req.query("notice") === "revoked" ? "The session is ended." : undefined;
    return renderPage(
      c,
      "Your sessions",
      <>
        <Notice text={notice} />
        <section>
          <TableOrEmpty
            caption="Signed-in sessions, newest first"
            empty="No other sessions."
            headings={["Kind", "Device", "IP", "Signed in", "Expires", ""]}
            rows={sessions.map((session) => (
              <tr>
                <td>{KIND_NAMES[session.kind]}</td>
                <td>{session.userAgent ?? "unknown"}</td>
                <td>{session.ip ?? "unknown"}</td>
                <td>{`${at(session.createdAt)} UTC`}</td>
                <td>{`${at(session.expiresAt)} UTC`}</td>
                <td>
                  {session.id === principal.sessionId ? (
                    <strong>This session</strong>
                  ) : (
                    <a class="button danger" href={`/dashboard/sessions/${session.id}/revoke`}>
                      Revoke
                    </a>
                  )}
                </td>
              </tr>
            ))}
          />
          <p>
            <a class="button danger" href="/dashboard/sessions/everywhere">
              Sign out everywhere
            </a>
          </p>
          <p class="hint">
            "Signed in" is when a session began; Gatehouse does not track each use. An ended session stops working
            within seconds here and within about a minute elsewhere.
          </p>
        </section>
      </>,
    );
  })
  .get("/dashboard/sessions/everywhere", (c) =>
    renderPage(
      c,
      "Sign out everywhere?",
      <Confirmation
        message="Every session of your account ends: API tokens, browser cookies and this dashboard."
        action="/dashboard/sessions/everywhere"
        confirmLabel="Sign out everywhere"
        busyLabel="Signing out…"
        cancelHref="/dashboard/sessions"
        formToken={c.get("formToken")}
      />,
    ),
  )
  .post("/dashboard/sessions/everywhere", async (c) => {
    await revokeOtherSessions(c.get("deps"), c.get("principal"));
    await signOutOfDashboard(c.get("deps"), dashboardCookieOf(c), clientInfo(c.req));
    clearDashboardCookie(c);
    return c.redirect("/dashboard/sign-in?notice=signed-out", 303);
  })
  .get("/dashboard/sessions/:sessionId/revoke", (c) =>
    renderPage(
      c,
      "End this session?",
      <Confirmation
        message="The device using it is signed out and must sign in again."
        action={`/dashboard/sessions/${sessionIdOf(c.req.param("sessionId"))}/revoke`}
        confirmLabel="End session"
        busyLabel="Ending…"
        cancelHref="/dashboard/sessions"
        formToken={c.get("formToken")}
      />,
    ),
  )
  .post("/dashboard/sessions/:sessionId/revoke", async (c) => {
    await revokeOwnSession(c.get("deps"), c.get("principal"), sessionIdOf(c.req.param("sessionId")));
    return c.redirect("/dashboard/sessions?notice=revoked", 303);
  });
