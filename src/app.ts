import { dashboardRoutes } from "./dashboard";
import { AppError } from "./errors";
import { speak } from "./http/dialect";
import { handleError } from "./http/errors";
import { refuseAmbiguousPaths } from "./http/path-safety";
import { createRouter, refuseOtherMethods } from "./http/router";
import { corsForAllowedOrigins, persCors } from "./middleware/cors";
import { d1Bookmark } from "./middleware/d1-bookmark";
import { init } from "./middleware/init";
import { requestLog } from "./middleware/request-log";
import { securityHeaders } from "./middleware/security-headers";
import { adminAccountRoutes } from "./routes/admin-accounts";
import { adminIdentityRoutes } from "./routes/admin-identity";
import { adminOversightRoutes } from "./routes/admin-oversight";
import { adminTenantUserRoutes } from "./routes/admin-tenant-users";
import { apiDocsRoutes } from "./routes/api-docs";
import { apiKeyAuthRoutes } from "./routes/api-key-auth";
import { apiKeyRoutes } from "./routes/api-keys";
import { businessMemberRoutes } from "./routes/business-members";
import { pingPageRoutes } from "./routes/cookie-sessions";
import { gatewayRoutes } from "./routes/gateway";
import { loginRoutes } from "./routes/login-logout";
import { ownPasswordRoutes } from "./routes/own-password";
import { ownSessionRoutes } from "./routes/session-list";
import { persAuthRoutes } from "./routes/token-exchange";
import { pingAuthRoutes } from "./routes/token-sessions";
import { wellKnownRoutes } from "./routes/well-known";

/** Assembles the application: global middleware in order, then each surface. */
export function createApp() {
  const app = createRouter();

  // Before any route matches, so no surface ever sees a path an origin could read differently.
  app.use("*", init, requestLog, securityHeaders, refuseAmbiguousPaths);
  app.use("/v1/*", corsForAllowedOrigins);
  app.use("/v2/*", persCors);
  // The management surfaces (Ping dialect): reads from the nearest D1 replica, bookmarks in and out.
  for (const path of ["/v1/admin/*", "/v1/api-keys/*", "/v1/businesses/*"]) app.use(path, speak("ping"), d1Bookmark);

  app.route("/", wellKnownRoutes);
  app.route("/", loginRoutes);
  app.route("/", pingAuthRoutes);
  app.route("/", pingPageRoutes);
  app.route("/", ownSessionRoutes);
  app.route("/", ownPasswordRoutes);
  app.route("/", apiKeyRoutes);
  app.route("/", apiKeyAuthRoutes);
  app.route("/", businessMemberRoutes);
  app.route("/", adminAccountRoutes);
  app.route("/", adminOversightRoutes);
  app.route("/", persAuthRoutes);
  app.route("/", adminIdentityRoutes);
  app.route("/", adminTenantUserRoutes);
  app.route("/", dashboardRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A Ping access token, sent together with the `User-Type` it was issued for.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: "session_token",
    description: "A PingPage session cookie, set by register and cookie login; lasts 30 days, not sliding.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-Ping-Api-Key",
    description: "An API key: `pk_test_…`, `sk_test_…`, `pk_live_…` or `sk_live_…`.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "projectKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "PERS: the tenant's publishable project key. `x-project-key` is accepted too (both must agree).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "projectKeyAlt", {
    type: "apiKey",
    in: "header",
    name: "x-project-key",
    description: "PERS: the tenant's publishable project key, under the other accepted header name.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "userType", {
    type: "apiKey",
    in: "header",
    name: "User-Type",
    description:
      "The user type a Ping access token was issued for: `user`, `adminuser` or `agent`. Sent with `bearer`.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "persBearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A PERS access token (from `POST /v2/auth/token`), on gateway routes that accept `pers`.",
  });
  // The document itself is generated from this app at build time (scripts/lib/static-assets.ts).
  app.route("/", apiDocsRoutes());

  // A wrong method on one of the paths above is a 405 there, not the gateway's 404.
  app.all("*", refuseOtherMethods);
  // Last: the gateway answers every request no surface above did (its own 404 and 405 included).
  app.route("/", gatewayRoutes);

  app.notFound(() => {
    throw new AppError("not_found");
  });
  app.onError(handleError);
  return app;
}
