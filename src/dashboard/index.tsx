import type { Context } from "hono";
import { Hono } from "hono";
import { AppError } from "../errors";
import type { AppEnv } from "../http/context";
import { logServerError, toAppError } from "../http/errors";
import { headerLimits } from "../http/header-limits";
import type { DashboardEnv } from "./context";
import { clearDashboardCookie, dashboardCookieOf } from "./cookie";
import { pageNonce, sameOriginOnly, signedIn } from "./middleware";
import { renderPublicPage } from "./render";
import { adminRoutes } from "./routes/admin";
import { keyRoutes } from "./routes/keys";
import { sessionRoutes } from "./routes/sessions";
import { signInRoutes } from "./routes/sign-in";

const SIGNED_OUT = new Set(["missing_credentials", "invalid_session", "session_revoked"]);

/**
 * A refusal as a page in words, never JSON: an ended session goes back to sign-in (saying why when
 * a cookie was sent), anything else is its status with the public wording.
 */
function renderDashboardError(err: unknown, c: Context<AppEnv>) {
  const error = toAppError(err);
  if (SIGNED_OUT.has(error.code)) {
    const hadCookie = dashboardCookieOf(c) !== undefined;
    clearDashboardCookie(c);
    return c.redirect(hadCookie ? "/dashboard/sign-in?notice=expired" : "/dashboard/sign-in", 303);
  }
  const status = error.status;
  logServerError(error, c.get("requestId"));
  // An outage says so (and when to come back); any other server error stays vague.
  const message =
    status < 500 || error.code === "service_unavailable" ? error.publicMessage : "Something went wrong. Try again.";
  if (error.options.retryAfterSeconds !== undefined) {
    c.header("Retry-After", String(error.options.retryAfterSeconds));
  }
  return renderPublicPage(
    c,
    status === 404 ? "Not found" : status === 503 ? "Temporarily unavailable" : "Not possible",
    <section>
      <p class="form-error" role="alert">
        {message}
      </p>
      <p>
        <a href="/dashboard">Back to the dashboard</a>
      </p>
    </section>,
    status,
  );
}

const signedInPages = new Hono<DashboardEnv>()
  .use("/dashboard/*", sameOriginOnly, signedIn)
  .route("/", keyRoutes)
  .route("/", sessionRoutes)
  .route("/", adminRoutes);

/** `/dashboard`: server-rendered pages over the same services as the JSON APIs (docs/dashboard.md). */
export const dashboardRoutes = new Hono<AppEnv>()
  .use("/dashboard", pageNonce, headerLimits)
  .use("/dashboard/*", pageNonce, headerLimits)
  .get("/dashboard", (c) => c.redirect(dashboardCookieOf(c) ? "/dashboard/businesses" : "/dashboard/sign-in", 303))
  .route("/", signInRoutes)
  .route("/", signedInPages as unknown as Hono<AppEnv>)
  .all("/dashboard/*", () => {
    throw new AppError("not_found");
  })
  .onError(renderDashboardError);
