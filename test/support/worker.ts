import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index";
import { BASE_URL } from "./client";
import { withClientIp } from "./client-ip";

/**
 * Sends a request through the worker's fetch handler and waits for everything it deferred with
 * `waitUntil` (audit rows, usage counts, cache writes), so a test can assert on them without
 * sleeping. `vars` overrides configuration for this one request (e.g. a zero grace period).
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
