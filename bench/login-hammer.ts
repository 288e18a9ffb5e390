/**
 * `npm run bench:hammer`: the limiter under a password-guessing attack, over loopback only.
 *
 * One attacker (one IP) hammers `POST /v1/auth/login` for the bench user with wrong passwords,
 * bounded in count and time, while the real user logs in now and then from another IP. Runs the
 * bundled gateway in workerd with wrangler.toml's own limits. Prints how many attacker requests
 * were refused with 429 and whether every legitimate login succeeded.
 */
import { buildWorker, startGateway } from "./lib/gateway-under-test.ts";

const ATTACKER_IP = "203.0.113.66";
const USER_IP = "198.51.100.7";
const ATTACK_REQUESTS = 200;
const ATTACK_CONCURRENCY = 8;
const TIME_LIMIT_MS = 30_000;
/** The real user logs in this many times during the attack (below the per-account+IP limit). */
const LEGITIMATE_LOGINS = 4;

const scriptPath = buildWorker();
// The request log goes to a file, as in `bench/run.ts`, so the summary below stays readable.
const { mf, url, user } = await startGateway(scriptPath, { runtimeLog: ".bench/hammer.log" });
if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error(`not loopback: ${url}`);
const loginUrl = new URL("/v1/auth/login", url).toString();

function login(password: string, ip: string): Promise<Response> {
  return fetch(loginUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Type": "user", "CF-Connecting-IP": ip },
    body: JSON.stringify({ email: user.email, password }),
  });
}

const attacker = { sent: 0, refused429: 0, refused401: 0, other: 0 };
const legitimate: number[] = [];
const deadline = Date.now() + TIME_LIMIT_MS;

async function attackLoop(): Promise<void> {
  while (attacker.sent < ATTACK_REQUESTS && Date.now() < deadline) {
    attacker.sent += 1;
    const res = await login(`wrong-guess-${attacker.sent}`, ATTACKER_IP);
    await res.arrayBuffer();
    if (res.status === 429) attacker.refused429 += 1;
    else if (res.status === 401) attacker.refused401 += 1;
    else attacker.other += 1;
  }
}

async function legitimateLoop(): Promise<void> {
  for (let i = 0; i < LEGITIMATE_LOGINS && Date.now() < deadline; i++) {
    // Spread the real user's logins over the attack.
    while (attacker.sent < ((i + 1) * ATTACK_REQUESTS) / (LEGITIMATE_LOGINS + 1) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const res = await login(user.password, USER_IP);
    await res.arrayBuffer();
    legitimate.push(res.status);
  }
}

try {
  const started = performance.now();
  await Promise.all([...Array.from({ length: ATTACK_CONCURRENCY }, attackLoop), legitimateLoop()]);
  const seconds = (performance.now() - started) / 1000;
  const succeeded = legitimate.filter((status) => status === 200).length;
  console.log(`\nlogin hammer (${seconds.toFixed(1)} s, loopback, wrangler.toml limits)`);
  console.log(`  attacker ${ATTACKER_IP}: ${attacker.sent} wrong-password logins`);
  console.log(`    429 rate limited: ${attacker.refused429}`);
  console.log(`    401 checked (password hashed): ${attacker.refused401}`);
  if (attacker.other > 0) console.log(`    other: ${attacker.other}`);
  console.log(
    `  legitimate user ${USER_IP}: ${succeeded}/${legitimate.length} logins succeeded [${legitimate.join(", ")}]`,
  );
  const held = attacker.refused429 > 0 && succeeded === legitimate.length && legitimate.length > 0;
  console.log(held ? "  the limiter held, and the real user got in" : "  UNEXPECTED: see the counts above");
  if (!held) process.exitCode = 1;
} finally {
  await mf.dispose();
}
