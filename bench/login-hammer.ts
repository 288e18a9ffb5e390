/**
 * `npm run bench:hammer`: the limiter under password-guessing attacks, over loopback only.
 *
 * The real user signs in once before the attacks and keeps the `gatehouse_device` cookie, as a
 * browser or app would. Then two attacks hammer `POST /v1/auth/login` for that user with wrong
 * passwords, bounded in count and time, while the user logs in now and then with the cookie:
 *
 *   one IP     every guess from one address (stopped by the per-IP and per-account+IP limits)
 *   many IPs   one guess per address, from hundreds of IPv4 and IPv6 addresses in distinct /64s
 *              (exhausts the account-wide failure limit: only known devices still get in)
 *
 * After the many-IP attack a login without the cookie (a new device) is tried as well: it is
 * expected to wait out the window (429). Runs the bundled gateway in workerd with wrangler.toml's
 * own limits and prints, per attack, how the attacker was answered and whether the user got in.
 */
import { benchRouteTable } from "./lib/bench-routes.ts";
import { buildWorker, startGateway } from "./lib/gateway-under-test.ts";

const ATTACK_REQUESTS = 300;
const ATTACK_CONCURRENCY = 8;
const TIME_LIMIT_MS = 30_000;
/** The real user logs in this many times during each attack (below the per-account+IP limit). */
const LEGITIMATE_LOGINS = 4;

interface Attack {
  name: string;
  /** The attacker's address for its `i`-th request. */
  ipOf: (i: number) => string;
  /** Where the real user logs in from during this attack (one address per attack: 5 a minute each). */
  userIp: string;
}

const ATTACKS: Attack[] = [
  { name: "one IP (203.0.113.66)", ipOf: () => "203.0.113.66", userIp: "198.51.100.7" },
  {
    name: `many IPs (${ATTACK_REQUESTS} addresses, half IPv4, half IPv6 in distinct /64s)`,
    ipOf: (i) =>
      i % 2 === 0 ? `10.${(i >> 8) & 255}.${i & 255}.1` : `2001:db8:${i.toString(16)}:1::${i.toString(16)}`,
    userIp: "2001:db8:ffff:7::7",
  },
];

const scriptPath = buildWorker();
// The request log goes to a file, as in `bench/run.ts`, so the summary below stays readable.
// No request here is forwarded; the route table only has to pass the start-up check, which refuses
// wrangler.toml's own (its DEMO_UPSTREAM service binding does not exist here).
const { mf, url, user } = await startGateway(scriptPath, {
  runtimeLog: ".bench/hammer.log",
  extraBindings: { GATEWAY_ROUTES: benchRouteTable("http://127.0.0.1:9") },
});
if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error(`not loopback: ${url}`);
const loginUrl = new URL("/v1/auth/login", url).toString();

function login(password: string, ip: string, deviceCookie?: string): Promise<Response> {
  return fetch(loginUrl, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "User-Type": "user",
      "CF-Connecting-IP": ip,
      ...(deviceCookie ? { Cookie: deviceCookie } : {}),
    },
    body: JSON.stringify({ email: user.email, password }),
  });
}

/** `gatehouse_device=…` as the client sends it back, from a successful login's `Set-Cookie`. */
function deviceCookieOf(res: Response): string {
  const line = res.headers.getSetCookie().find((cookie) => cookie.startsWith("gatehouse_device="));
  const pair = line?.split(";")[0];
  if (!pair) throw new Error(`no device cookie in the ${res.status} response`);
  return pair;
}

interface Outcome {
  seconds: number;
  sent: number;
  refused429: number;
  refused401: number;
  other: number;
  legitimate: number[];
}

async function runAttack(attack: Attack, deviceCookie: string): Promise<Outcome> {
  const outcome: Outcome = { seconds: 0, sent: 0, refused429: 0, refused401: 0, other: 0, legitimate: [] };
  const deadline = Date.now() + TIME_LIMIT_MS;
  async function attackLoop(): Promise<void> {
    while (outcome.sent < ATTACK_REQUESTS && Date.now() < deadline) {
      const i = outcome.sent++;
      const res = await login(`wrong-guess-${i}`, attack.ipOf(i));
      await res.arrayBuffer();
      if (res.status === 429) outcome.refused429 += 1;
      else if (res.status === 401) outcome.refused401 += 1;
      else outcome.other += 1;
    }
  }
  async function legitimateLoop(): Promise<void> {
    for (let i = 0; i < LEGITIMATE_LOGINS && Date.now() < deadline; i++) {
      // Spread the real user's logins over the attack.
      while (outcome.sent < ((i + 1) * ATTACK_REQUESTS) / (LEGITIMATE_LOGINS + 1) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const res = await login(user.password, attack.userIp, deviceCookie);
      await res.arrayBuffer();
      outcome.legitimate.push(res.status);
    }
  }
  const started = performance.now();
  await Promise.all([...Array.from({ length: ATTACK_CONCURRENCY }, attackLoop), legitimateLoop()]);
  outcome.seconds = (performance.now() - started) / 1000;
  return outcome;
}

function report(attack: Attack, outcome: Outcome): boolean {
  const succeeded = outcome.legitimate.filter((status) => status === 200).length;
  console.log(`\n  attack from ${attack.name}, ${outcome.seconds.toFixed(1)} s: ${outcome.sent} wrong-password logins`);
  console.log(`    429 rate limited: ${outcome.refused429}`);
  console.log(`    401 checked (password hashed): ${outcome.refused401}`);
  if (outcome.other > 0) console.log(`    other: ${outcome.other}`);
  console.log(
    `    owner with device cookie (${attack.userIp}): ${succeeded}/${outcome.legitimate.length} logins succeeded [${outcome.legitimate.join(", ")}]`,
  );
  const held = outcome.refused429 > 0 && succeeded === outcome.legitimate.length && outcome.legitimate.length > 0;
  console.log(
    held
      ? "    HELD: the attacker was rate limited and the owner with a device cookie got in every time"
      : "    UNEXPECTED: see the counts above",
  );
  return held;
}

try {
  const first = await login(user.password, "198.51.100.1");
  if (first.status !== 200) throw new Error(`the user's first login answered ${first.status}`);
  const deviceCookie = deviceCookieOf(first);
  console.log(
    "\nlogin hammer (loopback, wrangler.toml limits; the owner signed in once before, keeping the device cookie)",
  );
  let allHeld = true;
  for (const attack of ATTACKS) allHeld = report(attack, await runAttack(attack, deviceCookie)) && allHeld;
  const newDevice = await login(user.password, "198.51.100.99");
  await newDevice.arrayBuffer();
  console.log(
    `\n  owner from a new device (no device cookie) right after the many-IP attack: ${newDevice.status}` +
      (newDevice.status === 429 ? " (expected: new devices wait out the account's failure window)" : ""),
  );
  console.log(allHeld ? "\nthe limiter held in every attack, and the owner got in" : "\nUNEXPECTED: see above");
  if (!allHeld) process.exitCode = 1;
} finally {
  await mf.dispose();
}
