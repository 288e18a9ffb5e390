import { LOCAL_SERVICE_DEADLINE_MS, withDeadline } from "../deadline";

/**
 * This location's Cache API (`caches.default`) as the edge caches use it: JSON entries under
 * synthetic URLs (`cacheApiKeys` in `keys.ts`), every call bounded by `LOCAL_SERVICE_DEADLINE_MS`.
 * Failures, a missed deadline included, reject; each cache decides what a failure means to it.
 */
export function matchJsonEntry<T>(url: string): Promise<T | null> {
  const read = async () => {
    const response = await caches.default.match(url);
    return response ? ((await response.json()) as T) : null;
  };
  return withDeadline(read(), LOCAL_SERVICE_DEADLINE_MS);
}

export function putJsonEntry(url: string, entry: unknown, maxAgeSeconds: number): Promise<void> {
  const response = new Response(JSON.stringify(entry), {
    headers: { "Content-Type": "application/json", "Cache-Control": `max-age=${maxAgeSeconds}` },
  });
  return withDeadline(caches.default.put(url, response), LOCAL_SERVICE_DEADLINE_MS);
}

export function deleteEntry(url: string): Promise<boolean> {
  return withDeadline(caches.default.delete(url), LOCAL_SERVICE_DEADLINE_MS);
}
