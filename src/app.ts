import { AppError, handleError } from "./errors";
import { dialect } from "./middleware/dialect";
import { init } from "./middleware/init";
import { securityHeaders } from "./middleware/security-headers";
import { gatewayRoutes } from "./routes/gateway";
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

  app.route("/", wellKnownRoutes);
  app.route("/", loginRoutes);
  app.route("/", pingAuthRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A Ping access token, sent together with the `User-Type` it was issued for.",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Gatehouse", version: "0.1.0", description: "Auth gateway for Cloudflare Workers." },
  });

  // Last: the gateway answers every request no surface above did (its own 404 and 405 included).
  app.route("/", gatewayRoutes);

  app.notFound(() => {
    throw new AppError("not_found");
  });
  app.onError(handleError);
  return app;
}
