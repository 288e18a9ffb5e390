import { createApp } from "./app";

/**
 * The OpenAPI document as the application's routes declare it, before a deployment's server URL
 * and gateway routes are added (`gateway/openapi-document.ts`). Generated at build time, in Node
 * (`scripts/lib/static-assets.ts`), and served as a static asset: the Worker never imports this.
 */
export function generateApiDocument(): unknown {
  return createApp().getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "Gatehouse", version: "0.1.0", description: "Auth gateway for Cloudflare Workers." },
  });
}
