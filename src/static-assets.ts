/**
 * The files the build writes to the Worker's static assets (`scripts/build-assets.ts`) and the
 * reference routes read from them (`routes/api-docs.ts`): one list for both sides.
 */

/** The OpenAPI document as the routes declare it, before the deployment's server and gateway routes. */
export const API_DOCUMENT_ASSET = "openapi.base.json";

/** The Swagger UI files the reference page (/docs) loads, from `swagger-ui-dist`, by content type. */
export const SWAGGER_UI_ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};
