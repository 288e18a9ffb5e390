/**
 * `npm run build:assets`: writes the Worker's static assets to `.assets/` (the OpenAPI document and
 * Swagger UI's files, see lib/static-assets.ts). wrangler runs it before `dev` (again when `src/`
 * changes) and `deploy` (`[build]` in wrangler.toml); vitest.config.ts runs it before the tests.
 */
import { ASSETS_DIRECTORY, buildStaticAssets } from "./lib/static-assets.ts";

await buildStaticAssets();
console.log(`Static assets written to ${ASSETS_DIRECTORY}/.`);
