import { AppError } from "../errors";
import type { Upstream, UpstreamTarget } from "./route-table";

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus any the sender
 * names in `Connection`. They never cross the gateway in either direction. `Upgrade` goes too:
 * the gateway does not tunnel WebSockets.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** The hop-by-hop header names of a message: the fixed set plus those its `Connection` lists. */
export function hopByHopNames(headers: Headers): ReadonlySet<string> {
  const connection = headers.get("connection");
  // `keep-alive`, by far the usual value, names nothing beyond the fixed set: no copy needed.
  if (!connection || connection === "keep-alive") return HOP_BY_HOP;
  const names = new Set(HOP_BY_HOP);
  for (const name of connection.split(",")) names.add(name.trim().toLowerCase());
  return names;
}

interface ServiceFetcher {
  fetch(input: string, init: RequestInit): Promise<Response>;
}

export interface Forwarding {
  request: Request;
  url: URL;
  target: UpstreamTarget;
  headers: Headers;
  timeoutMs: number;
  requestId: string;
  routeName: string;
  bindings: Readonly<Record<string, unknown>>;
}

function upstreamUrl(upstream: Upstream, url: URL): string {
  if (upstream.kind === "url") return `${upstream.base}${url.pathname}${url.search}`;
  // A service binding ignores the host; keeping the public one lets the origin build absolute links.
  return `${url.origin}${upstream.pathPrefix}${url.pathname}${url.search}`;
}

function send(forwarding: Forwarding, signal: AbortSignal): Promise<Response> {
  const { request, target, headers } = forwarding;
  const init: RequestInit = {
    method: request.method,
    headers,
    // Streams through: the body is never read by the gateway.
    body: request.method === "GET" || request.method === "HEAD" ? null : request.body,
    // A redirect is the origin's answer to the client; following it here would carry identity elsewhere.
    redirect: "manual",
    signal,
  };
  const url = upstreamUrl(target.upstream, forwarding.url);
  if (target.upstream.kind === "url") return fetch(url, init);
  const service = forwarding.bindings[target.upstream.binding] as ServiceFetcher;
  return service.fetch(url, init);
}

/** The origin's response as the client gets it: status, headers and streamed body unchanged but for hop-by-hop headers. */
function passThrough(upstream: Response, requestId: string): Response {
  const response = new Response(upstream.body, upstream);
  const { headers } = response;
  for (const name of hopByHopNames(upstream.headers)) headers.delete(name);
  headers.set("X-Request-Id", requestId);
  return response;
}

/** Methods that carry no body and change nothing (RFC 9110 §9.2.1), so a second attempt is safe. */
const RETRIED_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

/**
 * What failed, for the log: the runtime's own wording for an origin URL, less any query string a
 * message may quote; only the error's name for a bound service, whose message is whatever that
 * Worker threw and may carry request data.
 */
function failureOf(error: unknown, upstream: Upstream): string {
  if (!(error instanceof Error)) return "unknown";
  if (upstream.kind !== "url") return error.name;
  return `${error.name}: ${error.message.replace(/\?\S*/g, "")}`;
}

/**
 * Sends once more, at once, when a GET or HEAD to an origin URL fails before any response (a lost
 * or refused connection, a failed lookup): an origin closing an idle keep-alive connection just as
 * the runtime reuses it fails that one request, and a client may retry an idempotent request after
 * a lost connection (RFC 9110 §9.2.2). A bound service, a request with a body and a timeout are
 * never retried, and the second attempt lives under the same timeout, so a request still costs
 * the origin at most two calls.
 */
async function sendRetryingLostConnection(forwarding: Forwarding, signal: AbortSignal): Promise<Response> {
  try {
    return await send(forwarding, signal);
  } catch (error) {
    const retried = forwarding.target.upstream.kind === "url" && RETRIED_METHODS.has(forwarding.request.method);
    if (signal.aborted || !retried) throw error;
    console.warn(
      JSON.stringify({
        level: "warn",
        event: "upstream_retried",
        requestId: forwarding.requestId,
        route: forwarding.routeName,
        detail: failureOf(error, forwarding.target.upstream),
      }),
    );
    return send(forwarding, signal);
  }
}

/**
 * Calls the upstream. Its response headers must arrive within the route's timeout (504; the call
 * is aborted); a failure to connect or an exception in a bound service is a 502. The timeout
 * signal governs only the wait for headers: once they are in, the runtime no longer ties the
 * body to it, so a long download streams on for as long as it takes.
 */
export async function forwardToUpstream(forwarding: Forwarding): Promise<Response> {
  // One native timer that needs no clearing, where setTimeout, clearTimeout and a race cost more.
  const signal = AbortSignal.timeout(forwarding.timeoutMs);
  try {
    return passThrough(await sendRetryingLostConnection(forwarding, signal), forwarding.requestId);
  } catch (error) {
    if (signal.aborted) {
      throw new AppError("upstream_timeout", { detail: `${forwarding.routeName}: ${forwarding.timeoutMs} ms` });
    }
    throw new AppError("upstream_unavailable", {
      detail: `${forwarding.routeName}: ${failureOf(error, forwarding.target.upstream)}`,
    });
  }
}
