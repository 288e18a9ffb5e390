import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index";
import { withClientIp } from "./client-ip";

export const BASE_URL = "https://gatehouse.test";

/**
 * Sends a request through the worker's fetch handler, as a client would, and waits for everything
 * it deferred with `waitUntil` (audit rows, usage counts, cache writes), so a test can assert on
 * them without sleeping. `vars` overrides configuration for this one request (e.g. a zero grace
 * period, another route table).
 */
export async function send(
  path: string,
  init: RequestInit = {},
  vars: Partial<Cloudflare.Env> = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const bindings = Object.keys(vars).length === 0 ? env : { ...env, ...vars };
  const response = await worker.fetch(withClientIp(new Request(`${BASE_URL}${path}`, init)), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** `send` with a JSON body (a string is sent as it is, for bodies that are not valid JSON). */
export function sendJson(
  path: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
  vars: Partial<Cloudflare.Env> = {},
): Promise<Response> {
  return send(
    path,
    {
      method,
      headers: { "Content-Type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    },
    vars,
  );
}
