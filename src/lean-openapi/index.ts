/**
 * Stands in for `@asteasolutions/zod-to-openapi` in the bundle (wrangler.toml `[alias]`, and the
 * same alias in vitest.config.ts). The Worker needs what the routes declare with (the registry and
 * `.openapi()` metadata on schemas), never the generators: the document is generated from the very
 * same routes at build time (`scripts/build-assets.ts`) and served as a static asset. Nothing
 * imports this module by name; TypeScript checks every import of the package against the
 * package's own types.
 */
// The path is relative because the alias would rewrite the package's name here too; the package's
// types describe its entry point, not this file of it (hence the directive, kept on its line).
// biome-ignore format: the directive covers one line, so the statement stays on one
// @ts-expect-error
export { extendZodWithOpenApi, getOpenApiMetadata, OpenAPIRegistry } from "../../node_modules/@asteasolutions/zod-to-openapi/dist/index.mjs";

class GeneratedAtBuildTime {
  constructor() {
    throw new Error("The OpenAPI document is generated at build time (scripts/build-assets.ts), not in the Worker.");
  }
}

export { GeneratedAtBuildTime as OpenApiGeneratorV3, GeneratedAtBuildTime as OpenApiGeneratorV31 };
