/**
 * The rate-limit bucket of a client address. An IPv4 address is its own bucket. An IPv6 client
 * usually holds a whole /64 (one subscriber, one LAN) and can pick any of its 2^64 addresses
 * per request, so per-IP limits key IPv6 by its /64: `2001:db8:1:2::/64`. An IPv4-mapped IPv6
 * address (`::ffff:192.0.2.1`) counts as the IPv4 address it carries. Anything that does not
 * parse as an address is kept as it is (it cannot come from Cloudflare's `CF-Connecting-IP`).
 */
export function ipBucketOf(ip: string): string {
  if (!ip.includes(":")) return ip;
  const hextets = expandIpv6(ip);
  if (!hextets) return ip;
  if (isIpv4Mapped(hextets)) return ip.slice(ip.lastIndexOf(":") + 1);
  return `${hextets.slice(0, 4).join(":")}::/64`;
}

const HEXTET = /^[0-9a-f]{1,4}$/;
const DOTTED_QUAD = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The eight hextets of an IPv6 address (lower case, no leading zeros), or null if it is not one. */
function expandIpv6(ip: string): string[] | null {
  const address = ip.toLowerCase().split("%")[0] ?? "";
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (half: string | undefined) => (half ? half.split(":") : []);
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  // A trailing dotted quad stands for the last two hextets.
  const last = tail.length > 0 ? tail : head;
  const quad = last.at(-1);
  if (quad && DOTTED_QUAD.test(quad)) {
    const octets = quad.split(".").map(Number);
    if (octets.some((octet) => octet > 255)) return null;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    last.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...tail];
  if (!groups.every((group) => HEXTET.test(group))) return null;
  return groups.map((group) => Number.parseInt(group, 16).toString(16));
}

function isIpv4Mapped(hextets: string[]): boolean {
  return hextets.slice(0, 5).every((group) => group === "0") && hextets[5] === "ffff";
}
