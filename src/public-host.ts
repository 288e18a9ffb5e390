/**
 * Whether a URL's host may be fetched in production: not an IP literal of a loopback, private,
 * link-local, unspecified, shared, documentation, multicast or reserved range. It judges the
 * hostname as the WHATWG URL parser normalised it (so `0x7f.1`, `2130706433` and `[::ffff:7f00:1]`
 * arrive as the literals they mean); names are not resolved here, so a DNS name pointing at a
 * private address is outside what this can see.
 */

/** IPv4 ranges that are not public unicast (RFC 6890 and its updates), as [first octets, prefix]. */
const NON_PUBLIC_IPV4: Array<[number[], number]> = [
  [[0], 8], // "this network", incl. 0.0.0.0
  [[10], 8], // RFC 1918
  [[100, 64], 10], // shared address space (carrier-grade NAT)
  [[127], 8], // loopback
  [[169, 254], 16], // link-local (and cloud metadata endpoints)
  [[172, 16], 12], // RFC 1918
  [[192, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2], 24], // documentation
  [[192, 88, 99], 24], // 6to4 relay anycast
  [[192, 168], 16], // RFC 1918
  [[198, 18], 15], // benchmarking
  [[198, 51, 100], 24], // documentation
  [[203, 0, 113], 24], // documentation
  [[224], 4], // multicast
  [[240], 4], // reserved, incl. 255.255.255.255
];

function ipv4Octets(hostname: string): number[] | null {
  const parts = hostname.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return null;
  const octets = parts.map(Number);
  return octets.every((octet) => octet <= 255) ? octets : null;
}

function inIpv4Range(octets: number[], [first, prefix]: [number[], number]): boolean {
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  const base = [0, 1, 2, 3].reduce((value, index) => value * 256 + (first[index] ?? 0), 0);
  const size = 2 ** (32 - prefix);
  return Math.floor(address / size) === Math.floor(base / size);
}

/** The eight 16-bit groups of a bracketed IPv6 literal as the URL parser serialises it. */
function ipv6Groups(hostname: string): number[] | null {
  if (!hostname.startsWith("[") || !hostname.endsWith("]")) return null;
  const text = hostname.slice(1, -1);
  const [head = "", tail, extra] = text.split("::");
  if (extra !== undefined) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  const missing = 8 - front.length - back.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...front, ...Array<number>(tail === undefined ? 0 : missing).fill(0), ...back];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : null;
}

/**
 * Only global unicast (2000::/3) is public, minus the ranges inside it that are not: documentation
 * (2001:db8::/32), IETF protocol assignments incl. Teredo (2001::/23) and 6to4 (2002::/16), whose
 * embedded IPv4 may be private. Everything else (::, ::1, IPv4-mapped ::ffff:0:0/96, NAT64,
 * ULA fc00::/7, link-local fe80::/10, multicast) is refused.
 */
function isPublicIpv6(groups: number[]): boolean {
  const [first = 0, second = 0] = groups;
  if (first >>> 13 !== 0b001) return false;
  if (first === 0x2001 && second === 0x0db8) return false;
  if (first === 0x2001 && second < 0x0200) return false;
  return first !== 0x2002;
}

/** `hostname` as `new URL(…).hostname` gives it. */
export function isPublicHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "" || host === "localhost" || host.endsWith(".localhost")) return false;
  const v6 = ipv6Groups(host);
  if (v6) return isPublicIpv6(v6);
  if (host.startsWith("[")) return false;
  const v4 = ipv4Octets(host);
  if (v4) return !NON_PUBLIC_IPV4.some((range) => inIpv4Range(v4, range));
  return true;
}
