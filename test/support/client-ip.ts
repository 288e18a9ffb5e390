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
