/**
 * An origin exactly as a browser sends it in `Origin` (RFC 6454 §6.1): scheme, host and port, with
 * no path, no trailing slash, no wildcard, lower case, the default port left out. Every allow-list
 * of browser origins (CORS, a publishable key's origins, a tenant's origins) is compared by string
 * equality, so an entry in any other form could never match and is refused when it is configured.
 */
export function isExactOrigin(value: string): boolean {
  return !value.includes("*") && URL.canParse(value) && new URL(value).origin === value;
}

export const EXACT_ORIGIN_RULE =
  "each entry must be an exact origin such as https://app.example.com (no path, no wildcard)";

/** Long enough for any DNS name with scheme and port; an entry longer than this is refused. */
export const MAX_ORIGIN_LENGTH = 300;
