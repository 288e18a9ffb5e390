import { readBoundedBody } from "../../bounded-body";
import { usableKeysOf } from "../../crypto/jwks";
import { decodeUtf8Strict } from "../../crypto/utf8";
import { DeadlineExceeded, withDeadline } from "../../deadline";
import type { PublicJwk } from "../../domain";

/** A JWKS fetch gives up after this long; the caller falls back to the last good set. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000;
/** Real JWKS documents are a few KiB; anything this large is not one. */
export const JWKS_MAX_BYTES = 64 * 1024;

const JSON_TYPES = /^application\/(json|jwk-set\+json)\s*(;|$)/i;

export class JwksFetchError extends Error {
  override readonly name = "JwksFetchError";
}

async function readCapped(response: Response): Promise<Uint8Array> {
  const bytes = await readBoundedBody(response, JWKS_MAX_BYTES);
  if (!bytes) throw new JwksFetchError("JWKS too large");
  return bytes;
}

async function fetchJwksUnbounded(url: string): Promise<PublicJwk[]> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "GET",
      headers: { Accept: "application/jwk-set+json, application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(JWKS_FETCH_TIMEOUT_MS),
    });
  } catch (err) {
    throw new JwksFetchError(`JWKS fetch failed: ${err instanceof Error ? err.name : "error"}`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new JwksFetchError(`JWKS answered ${response.status}`);
  }
  if (!JSON_TYPES.test(response.headers.get("content-type") ?? "")) {
    await response.body?.cancel();
    throw new JwksFetchError("JWKS is not JSON");
  }
  let document: unknown;
  try {
    document = JSON.parse(decodeUtf8Strict(await readCapped(response)));
  } catch (err) {
    if (err instanceof JwksFetchError) throw err;
    throw new JwksFetchError("JWKS is not valid JSON");
  }
  const keys = usableKeysOf(document);
  if (!keys) throw new JwksFetchError("JWKS is not a public key set");
  return keys;
}

/**
 * Fetches a provider's JWKS and returns its usable public signature keys. Redirects are not
 * followed (the URL the tenant configured is the one trusted), the answer must be a 200 JSON
 * document of bounded size, and the whole exchange is bounded in time: the fetch's signal only
 * bounds the wait for the response's headers, so the deadline also covers a body that stalls.
 */
export async function fetchJwks(url: string): Promise<PublicJwk[]> {
  try {
    return await withDeadline(fetchJwksUnbounded(url), JWKS_FETCH_TIMEOUT_MS);
  } catch (err) {
    if (err instanceof DeadlineExceeded) throw new JwksFetchError(`JWKS fetch: ${err.message}`);
    throw err;
  }
}
