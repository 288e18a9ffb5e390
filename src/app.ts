import { AppError, handleError } from "./errors";
import { dialect } from "./middleware/dialect";
import { init } from "./middleware/init";
import { securityHeaders } from "./middleware/security-headers";
import { adminIdentityRoutes } from "./routes/admin-identity";
import { loginRoutes } from "./routes/login";
import { persAuthRoutes } from "./routes/pers-auth";
import { pingAuthRoutes } from "./routes/ping-auth";
import { createRouter } from "./routes/router";
import { wellKnownRoutes } from "./routes/well-known";

/** Assembles the application: global middleware in order, then each surface. */
export function createApp() {
  const app = createRouter();

  app.use("*", init, securityHeaders);
  app.use("/v1/auth/refresh", dialect("ping"));
  app.use("/v1/auth/session", dialect("ping"));
  app.use("/v1/admin/tenants/*", dialect("ping"));
  app.use("/v2/auth/*", dialect("pers"));

  app.route("/", wellKnownRoutes);
  app.route("/", loginRoutes);
  app.route("/", pingAuthRoutes);
  app.route("/", persAuthRoutes);
  app.route("/", adminIdentityRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A Ping access token, sent together with the `User-Type` it was issued for.",
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
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Gatehouse", version: "0.1.0", description: "Auth gateway for Cloudflare Workers." },
  });

  app.notFound(() => {
    throw new AppError("not_found");
  });
  app.onError(handleError);
  return app;
}
