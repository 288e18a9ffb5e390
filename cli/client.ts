import { type SavedLogin, savedLogin, saveLogin } from "./credentials.ts";

/** Where to reach Gatehouse and as whom: `--url`/`GATEHOUSE_URL`, `--token`/`GATEHOUSE_TOKEN`. */
export interface Target {
  url: string;
  token?: string | undefined;
}

export class CliError extends Error {}

/** An answer Gatehouse refused, with its status and its own words (or the CLI's, when given). */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: unknown,
    words: string = describeError(body),
  ) {
    super(`HTTP ${status}: ${words}`);
  }
}

function describeError(body: unknown): string {
  if (body && typeof body === "object") {
    const { message, error, code, reason } = body as Record<string, unknown>;
    const words = [
      message ?? error,
      code && code !== error ? `(${code})` : undefined,
      reason ? `— ${reason}` : undefined,
    ];
    return words.filter(Boolean).join(" ");
  }
  return String(body);
}

export function normaliseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`not a URL: ${url}`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new CliError(`not an http(s) URL: ${url}`);
  return parsed.origin;
}

async function send(url: string, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(new URL(path, url), init);
  } catch (error) {
    throw new CliError(
      `cannot reach ${url} (${error instanceof Error ? (error.cause ?? error.message) : error}). ` +
        "Is `npm run dev` running, or is --url right?",
    );
  }
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Something at the URL answered, but not as Gatehouse does: the URL is the likelier mistake. */
function notGatehouse(url: string, response: Response): CliError {
  const type = response.headers.get("content-type") ?? "no content type";
  return new CliError(`${url} did not answer like Gatehouse (HTTP ${response.status}, ${type}); is --url right?`);
}

/** A successful answer's JSON object (`{}` for 204 No Content), else `notGatehouse`. */
function answerOf(url: string, response: Response, body: unknown): Record<string, unknown> {
  if (response.status === 204) return {};
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw notGatehouse(url, response);
  return body as Record<string, unknown>;
}

/** Ping token login as an `adminuser`; the pair is kept for the URL. */
export async function logIn(url: string, email: string, password: string): Promise<SavedLogin> {
  const response = await send(url, "/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", "user-type": "adminuser" },
    body: JSON.stringify({ email, password }),
  });
  const body = await bodyOf(response);
  // A correct password of a user or agent gets the same answer as a wrong one (no enumeration).
  if (response.status === 401 && (body as { code?: unknown } | null)?.code === "invalid_credentials") {
    throw new ApiError(response.status, body, "Invalid email or password (the CLI signs in admin users only).");
  }
  if (!response.ok) throw new ApiError(response.status, body);
  const { accessToken, refreshToken } = answerOf(url, response, body);
  if (typeof accessToken !== "string" || typeof refreshToken !== "string") throw notGatehouse(url, response);
  const login = { email, accessToken, refreshToken };
  saveLogin(url, login);
  return login;
}

/** A refresh of the saved login: a new access token, a refusal (the session has ended), or neither. */
type Refresh = { accessToken: string } | { ended: true } | { failed: true };

async function refreshed(url: string, login: SavedLogin): Promise<Refresh> {
  const response = await send(url, "/v1/auth/refresh", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refreshToken: login.refreshToken, userType: "adminuser" }),
  });
  if (response.status === 401) return { ended: true };
  if (!response.ok) return { failed: true };
  const { accessToken } = answerOf(url, response, await bodyOf(response));
  if (typeof accessToken !== "string") throw notGatehouse(url, response);
  saveLogin(url, { ...login, accessToken });
  return { accessToken };
}

/**
 * Sends `attempt` with `token`; when that is refused (401) and a saved login is in use, refreshes
 * it and sends once more with the new access token. `refresh` says what the refresh did, if one ran.
 */
async function sentWithRefresh(
  url: string,
  login: SavedLogin | undefined,
  token: string,
  attempt: (accessToken: string) => Promise<Response>,
): Promise<{ response: Response; refresh?: Refresh }> {
  const response = await attempt(token);
  if (response.status !== 401 || !login) return { response };
  const refresh = await refreshed(url, login);
  return "accessToken" in refresh ? { response: await attempt(refresh.accessToken), refresh } : { response, refresh };
}

/**
 * Ends the saved login's session at Gatehouse (Ping logout, with a refreshed access token once the
 * saved one has expired), so its refresh token stops working too: `ended`, `already_ended` (the
 * session was over), or `not_ended` (Gatehouse could not be reached or did not answer as asked).
 */
export async function logOut(url: string, login: SavedLogin): Promise<"ended" | "already_ended" | "not_ended"> {
  const attempt = (accessToken: string) =>
    send(url, "/v1/auth/logout", {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "user-type": "adminuser" },
    });
  try {
    const { response, refresh } = await sentWithRefresh(url, login, login.accessToken, attempt);
    if (refresh && "ended" in refresh) return "already_ended";
    return response.status === 204 ? "ended" : "not_ended";
  } catch (error) {
    if (error instanceof CliError) return "not_ended";
    throw error;
  }
}

/**
 * Calls an admin API with the target's token (an explicit one, else the saved login, refreshed
 * once when the access token has expired). Answers the JSON body; throws ApiError otherwise.
 */
export async function callApi(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const login = target.token ? undefined : savedLogin(target.url);
  const token = target.token ?? login?.accessToken;
  if (!token) {
    throw new CliError(`not signed in to ${target.url}: run \`gatehouse login --email <admin email>\` or pass --token`);
  }
  const attempt = (bearer: string) =>
    send(target.url, path, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        "user-type": "adminuser",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const { response, refresh } = await sentWithRefresh(target.url, login, token, attempt);
  const answer = await bodyOf(response);
  if (refresh && "ended" in refresh && login) {
    const words = `${describeError(answer)} The saved sign-in has ended: run \`gatehouse login --email ${login.email}\`.`;
    throw new ApiError(response.status, answer, words);
  }
  if (!response.ok) throw new ApiError(response.status, answer);
  return answerOf(target.url, response, answer);
}

/** `?a=1&b=2` from the options that are set. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}
