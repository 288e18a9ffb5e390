import { expect } from "vitest";
import { sendJson } from "./worker";

/** The `Set-Cookie` line for `session_token` in a response, if any. */
export function sessionSetCookie(res: Response): string | undefined {
  return res.headers.getSetCookie().find((line) => line.startsWith("session_token="));
}

/** The value a browser would store from the response's `session_token` cookie. */
export function sessionCookieValue(res: Response): string {
  const line = sessionSetCookie(res);
  const value = line?.slice("session_token=".length).split(";")[0];
  if (!value) throw new Error(`no session_token cookie in ${res.status} response`);
  return value;
}

/** Request headers carrying a session cookie, as a browser would send it back. */
export function withSession(value: string, headers: Record<string, string> = {}): Record<string, string> {
  return { Cookie: `session_token=${value}`, ...headers };
}

export interface RegisteredUser {
  id: string;
  email: string;
  password: string;
  name: string;
  cookie: string;
}

/** Registers through the API, as a PingPage client does, and keeps the session cookie. */
export async function registerUser(email: string, name = "John Doe"): Promise<RegisteredUser> {
  const password = `pw-${crypto.randomUUID()}`;
  const res = await sendJson("/v1/auth/register", "POST", { email, password, name });
  const body = await res.json<{ id: string }>();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return { id: body.id, email, password, name, cookie: sessionCookieValue(res) };
}

/** Cookie login (no `User-Type`), returning the new session cookie. */
export async function cookieLogin(email: string, password: string, headers: Record<string, string> = {}) {
  const res = await sendJson("/v1/auth/login", "POST", { email, password }, headers);
  expect(res.status, await res.clone().text()).toBe(200);
  return sessionCookieValue(res);
}
