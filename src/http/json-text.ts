const UNPAIRED_SURROGATE = /\p{Cs}/u;

/**
 * Whether a parsed JSON value holds a string (a value or a key) that is not well-formed UTF-16: a
 * lone surrogate, which JSON can spell (`"\ud800"`) but UTF-8 cannot hold, so D1 would store it as
 * U+FFFD and two different inputs would read back the same. Walks at most `limit` levels deep,
 * the depth the caller has already bounded.
 */
export function holdsUnpairedSurrogate(value: unknown, limit: number): boolean {
  if (typeof value === "string") return UNPAIRED_SURROGATE.test(value);
  if (value === null || typeof value !== "object" || limit <= 0) return false;
  for (const [key, child] of Object.entries(value)) {
    if (UNPAIRED_SURROGATE.test(key) || holdsUnpairedSurrogate(child, limit - 1)) return true;
  }
  return false;
}
