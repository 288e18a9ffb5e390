import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The Worker's static assets (`[assets]` in wrangler.toml): generated, never committed. */
export const ASSETS_DIRECTORY = ".assets";
/** The OpenAPI document as the routes declare it, before the deployment's server and gateway routes. */
export const BASE_DOCUMENT_FILE = "openapi.base.json";
/**
 * Named by a variable, so that these scripts' type check does not follow it: the application is
 * checked with the Workers' types by the root tsconfig, and needs nothing of Node's to run here.
 */
const API_DOCUMENT_MODULE = "../../src/api-document.ts";
type ApiDocumentModule = { generateApiDocument(): unknown };
/** The Swagger UI files the reference page (/docs) loads, from the installed package. */
const SWAGGER_UI_FILES = ["swagger-ui-bundle.js", "swagger-ui.css"];

/**
 * Writes `.assets/`: the OpenAPI document generated from the application's own routes (the Worker
 * completes it per deployment, `gateway/openapi-document.ts`) and Swagger UI's files. Generating
 * the document here keeps the generator out of the Worker's bundle.
 */
export async function buildStaticAssets(directory = ASSETS_DIRECTORY): Promise<void> {
  mkdirSync(directory, { recursive: true });
  const { generateApiDocument } = (await import(API_DOCUMENT_MODULE)) as ApiDocumentModule;
  const document = generateApiDocument();
  writeFileSync(join(directory, BASE_DOCUMENT_FILE), JSON.stringify(document));
  for (const file of SWAGGER_UI_FILES)
    copyFileSync(join("node_modules", "swagger-ui-dist", file), join(directory, file));
}
