/**
 * Behind Cloudflare every request carries `CF-Connecting-IP`; a request without one falls into a
 * single shared rate-limit bucket. Tests are many clients, not one: each request gets an address
 * of its own from 198.18.0.0/15 (reserved for benchmarks) unless the test names one, so only the
 * tests about rate limits ever meet one.
 */
export function withClientIp(request: Request): Request {
  if (!request.headers.has("cf-connecting-ip")) request.headers.set("cf-connecting-ip", randomClientIp());
  return request;
}

export function randomClientIp(): string {
  const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
  return `198.${18 + (a & 1)}.${b}.${c}`;
}

/** A random IPv6 address inside `prefix64` (four hextets, e.g. "2001:db8:7:1"), from 2001:db8::/32. */
export function randomIpv6In(prefix64: string): string {
  const hextets = Array.from(crypto.getRandomValues(new Uint16Array(4)), (n) => n.toString(16));
  return `${prefix64}:${hextets.join(":")}`;
}

/** A random /64 of the documentation range 2001:db8::/32, as its four leading hextets. */
export function randomIpv6Prefix(): string {
  const [a = 0, b = 0] = crypto.getRandomValues(new Uint16Array(2));
  return `2001:db8:${a.toString(16)}:${b.toString(16)}`;
}
