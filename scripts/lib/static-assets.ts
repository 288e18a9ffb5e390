import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { API_DOCUMENT_ASSET, SWAGGER_UI_ASSETS } from "../../src/static-assets.ts";

/** The Worker's static assets (`[assets]` in wrangler.toml): generated, never committed. */
export const ASSETS_DIRECTORY = ".assets";
/**
 * Named by a variable, so that these scripts' type check does not follow it: the application is
 * checked with the Workers' types by the root tsconfig, and needs nothing of Node's to run here.
 */
const API_DOCUMENT_MODULE = "../../src/api-document.ts";
type ApiDocumentModule = { generateApiDocument(): unknown };

/**
 * Writes `.assets/`: the OpenAPI document generated from the application's own routes (the Worker
 * completes it per deployment, `gateway/openapi-document.ts`) and Swagger UI's files. Generating
 * the document here keeps the generator out of the Worker's bundle.
 */
export async function buildStaticAssets(): Promise<void> {
  mkdirSync(ASSETS_DIRECTORY, { recursive: true });
  const { generateApiDocument } = (await import(API_DOCUMENT_MODULE)) as ApiDocumentModule;
  const document = generateApiDocument();
  writeFileSync(join(ASSETS_DIRECTORY, API_DOCUMENT_ASSET), JSON.stringify(document));
  for (const file of Object.keys(SWAGGER_UI_ASSETS)) {
    copyFileSync(join("node_modules", "swagger-ui-dist", file), join(ASSETS_DIRECTORY, file));
  }
}
