/**
 * How deeply objects and arrays nest in a parsed JSON value: a scalar is 0, `{}` or `[]` is 1.
 * Counting stops once it passes `limit`, so a hostile document costs no more than `limit` levels.
 */
export function jsonDepth(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || value === null || typeof value !== "object") return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, jsonDepth(child, limit, depth + 1));
    if (deepest > limit) break;
  }
  return deepest;
}
