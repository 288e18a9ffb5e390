import * as z from "./surface";

export * from "./surface";
/**
 * Stands in for the `zod` package in the bundle (wrangler.toml `[alias]`, and the same alias in
 * vitest.config.ts so the tests run what deploys). zod's own `z` namespace is passed around as a
 * value (`extendZodWithOpenApi(z)` in @hono/zod-openapi), which keeps every export alive: all 64
 * locales, `toJSONSchema`, `fromJSONSchema`, the compiler. This `z` holds only the surface we use;
 * error messages stay English because zod registers its `en` locale when a first schema is built.
 */
export { z };
export default z;
