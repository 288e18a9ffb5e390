import { AppError, handleError } from "./errors";
import { dialect } from "./middleware/dialect";
import { init } from "./middleware/init";
import { securityHeaders } from "./middleware/security-headers";
import { adminAccountRoutes } from "./routes/admin-accounts";
import { adminOversightRoutes } from "./routes/admin-oversight";
import { apiKeyAuthRoutes } from "./routes/api-key-auth";
import { apiKeyRoutes } from "./routes/api-keys";
import { loginRoutes } from "./routes/login";
import { pingAuthRoutes } from "./routes/ping-auth";
import { createRouter } from "./routes/router";
import { wellKnownRoutes } from "./routes/well-known";

/** Assembles the application: global middleware in order, then each surface. */
export function createApp() {
  const app = createRouter();

  app.use("*", init, securityHeaders);
  app.use("/v1/auth/refresh", dialect("ping"));
  app.use("/v1/auth/session", dialect("ping"));
  app.use("/v1/api-keys", dialect("ping"));
  app.use("/v1/api-keys/*", dialect("ping"));
  app.use("/v1/admin/*", dialect("ping"));
  app.use("/v1/auth/api-key", dialect("gateway"));

  app.route("/", wellKnownRoutes);
  app.route("/", loginRoutes);
  app.route("/", pingAuthRoutes);
  app.route("/", apiKeyRoutes);
  app.route("/", apiKeyAuthRoutes);
  app.route("/", adminAccountRoutes);
  app.route("/", adminOversightRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A Ping access token, sent together with the `User-Type` it was issued for.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-Ping-Api-Key",
    description: "An API key: `pk_test_…`, `sk_test_…`, `pk_live_…` or `sk_live_…`.",
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
