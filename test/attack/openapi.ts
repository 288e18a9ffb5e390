import { GATEWAY_ROUTE_EXTENSION } from "../../src/gateway/openapi-document";
import { send } from "../support/worker";

/** The operations of the worker's own `/openapi.json`: what the attack suite must cover. */

export interface Operation {
  /** `METHOD path`, the path as the document writes it (`/v1/api-keys/{id}`). */
  key: string;
  method: string;
  path: string;
  /** Names of the security schemes that may authenticate it; empty for a public operation. */
  schemes: string[];
  /** Its `{name}` path parameters, in order. */
  pathParams: string[];
  /** Its required query parameters. */
  requiredQuery: string[];
  /** Whether it takes a JSON body. */
  takesBody: boolean;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
}

interface DocumentOperation {
  security?: Array<Record<string, string[]>>;
  [GATEWAY_ROUTE_EXTENSION]?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, unknown> };
}

interface Document {
  paths: Record<string, Record<string, DocumentOperation>>;
}

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);

/** Fetches `/openapi.json` through the worker, as a client would. */
export async function fetchOperations(): Promise<Operation[]> {
  const res = await send("/openapi.json");
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}: ${await res.text()}`);
  const document = (await res.json()) as Document;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      // Gateway routes are the route table's, attacked through test/attack/gateway-variants.ts.
      if (!METHODS.has(method) || operation[GATEWAY_ROUTE_EXTENSION] !== undefined) continue;
      const parameters = operation.parameters ?? [];
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        schemes: [...new Set((operation.security ?? []).flatMap((requirement) => Object.keys(requirement)))],
        pathParams: parameters.filter((p) => p.in === "path").map((p) => p.name),
        requiredQuery: parameters.filter((p) => p.in === "query" && p.required).map((p) => p.name),
        takesBody: operation.requestBody?.content?.["application/json"] !== undefined,
      });
    }
  }
  return operations;
}
