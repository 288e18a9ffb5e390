import { exports } from "cloudflare:workers";
import { withClientIp } from "./client-ip";

export const BASE_URL = "https://gatehouse.test";

/** Sends a request through the worker's real fetch handler, as a client would. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(withClientIp(new Request(`${BASE_URL}${path}`, init)));
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
