import { describe, expect, it } from "vitest";
import { send, sendJson } from "../support/worker";
import {
  type Endpoint,
  GATEWAY_ENDPOINTS,
  PUBLIC_OPERATIONS,
  requestFor,
  SECURED_ROUTES,
  securedEndpoints,
  UNSECURED_ENDPOINTS,
  urlFor,
  variantsOf,
} from "./endpoints";
import { makeFixtures } from "./fixtures";
import { fetchOperations, type Operation } from "./openapi";
import { NO_CHANGES, snapshotStorage, storageChanges } from "./snapshot";
import { type Dialect, statusIn, type Variant } from "./variants";

/**
 * Every secured operation of `/openapi.json`, the credential endpoints and the gateway's routes,
 * against the same generated bad requests: each is its own test, gets a clear 4xx, and afterwards
 * every D1 table and KV hold what they held before.
 *
 * vitest needs each test's name when it collects the file, and each name is a variant's, which
 * needs the fixtures: so the document is fetched and the fixtures made here, at the top level,
 * where the worker and its storage are already available (it runs inside workerd).
 */

const operations = await fetchOperations();
const fixtures = await makeFixtures();

/** A single request and two snapshots: the bound only catches a hang, however loaded the machine. */
const TIMEOUT_MS = 30_000;

const DIALECT_NAMES: Record<Dialect, string> = { ping: "Ping", pingpage: "PingPage", gateway: "gateway", pers: "PERS" };

const secured = operations.filter((operation) => operation.schemes.length > 0);
const unsecured = operations.filter((operation) => operation.schemes.length === 0);

/** Secured operations the suite cannot attack, and why: each fails the completeness test. */
const uncovered: string[] = [];
const documented = new Map<Endpoint, Operation>();
for (const operation of secured) {
  const route = SECURED_ROUTES[operation.key];
  if (!route) {
    uncovered.push(`${operation.key}: not in SECURED_ROUTES (test/attack/endpoints.ts)`);
    continue;
  }
  const found = securedEndpoints(operation, route);
  if ("problem" in found) uncovered.push(`${operation.key}: ${found.problem}`);
  else for (const endpoint of found) documented.set(endpoint, operation);
}
for (const endpoint of UNSECURED_ENDPOINTS) {
  const operation = unsecured.find((candidate) => candidate.key === endpoint.key);
  if (operation) documented.set(endpoint, operation);
}

const endpoints: Endpoint[] = [...documented.keys(), ...UNSECURED_ENDPOINTS.filter((e) => !documented.has(e))];
endpoints.push(...GATEWAY_ENDPOINTS);

function labelOf(endpoint: Endpoint): string {
  const shared = endpoints.filter((other) => other.key === endpoint.key).length > 1;
  return shared ? `${endpoint.key} (${DIALECT_NAMES[endpoint.dialect]})` : endpoint.key;
}

const cases = await Promise.all(
  endpoints.map(async (endpoint) => ({
    endpoint,
    label: labelOf(endpoint),
    variants: await variantsOf(endpoint, fixtures),
  })),
);

/** How the client is answered, as a test name says it. */
function outcome(dialect: Dialect, variant: Variant): string {
  const reason = variant.json?.reason;
  if (variant.json?.valid === false && typeof reason === "string") return `gets the verdict "invalid: ${reason}"`;
  return `gets ${statusIn(dialect, variant.status)}`;
}

describe("the attack suite's coverage", () => {
  it("knows every secured operation of /openapi.json, so a new route cannot go unattacked", () => {
    expect(secured.length).toBeGreaterThan(0);
    expect(uncovered).toEqual([]);
  });

  it("knows no secured route /openapi.json does not have", () => {
    const keys = new Set(secured.map((operation) => operation.key));
    expect(Object.keys(SECURED_ROUTES).filter((key) => !keys.has(key))).toEqual([]);
  });

  it("attacks each unsecured operation that takes input, and names the rest public", () => {
    const byHand = new Set(UNSECURED_ENDPOINTS.map((endpoint) => endpoint.key));
    const keys = new Set(unsecured.map((operation) => operation.key));
    expect(unsecured.map((op) => op.key).filter((key) => !byHand.has(key) && !PUBLIC_OPERATIONS.has(key))).toEqual([]);
    expect([...byHand, ...PUBLIC_OPERATIONS].filter((key) => !keys.has(key))).toEqual([]);
  });

  it("fills every path and required query parameter, and sends a body exactly where one is taken", () => {
    const mismatches: string[] = [];
    for (const [endpoint, operation] of documented) {
      const params = Object.keys(endpoint.params?.(fixtures) ?? {}).sort();
      if (params.join() !== [...operation.pathParams].sort().join()) {
        mismatches.push(`${endpoint.key}: fills {${params}}, the document has {${operation.pathParams}}`);
      }
      const query = Object.keys(endpoint.query?.(fixtures) ?? {});
      const missing = operation.requiredQuery.filter((name) => !query.includes(name));
      if (missing.length > 0) mismatches.push(`${endpoint.key}: no value for required query ${missing}`);
      if ((endpoint.body !== undefined) !== operation.takesBody) {
        mismatches.push(
          `${endpoint.key}: ${operation.takesBody ? "takes a body but has none" : "sends a body it does not take"}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("treats every /v1/admin route as admin-only", () => {
    const admin = secured.filter((operation) => operation.path.startsWith("/v1/admin/"));
    expect(admin.length).toBeGreaterThan(0);
    expect(admin.filter((operation) => !SECURED_ROUTES[operation.key]?.adminOnly).map((op) => op.key)).toEqual([]);
  });

  it("gives each endpoint variants with distinct names, so each is a test of its own", () => {
    const duplicates = cases.flatMap(({ label, variants }) => {
      const names = variants.map((variant) => variant.name);
      return names.filter((name, i) => names.indexOf(name) !== i).map((name) => `${label}: ${name}`);
    });
    expect(cases.every(({ variants }) => variants.length > 0)).toBe(true);
    expect(duplicates).toEqual([]);
  });
});

describe("the attack suite starts from credentials that work: each variant is refused for what it changed", () => {
  it("PERS, the gateway's bearer, cookie and API-key routes accept the fixtures' credentials", {
    timeout: TIMEOUT_MS,
  }, async () => {
    const f = fixtures;
    const verdict = await sendJson(
      "/v2/auth/verify",
      "POST",
      { authToken: f.pers.pair.refreshToken },
      { "X-API-Key": f.pers.tenant.projectKey },
    );
    expect(await verdict.json()).toMatchObject({ valid: true, tokenType: "refresh" });
    const exchanged = await sendJson(
      "/v2/auth/token",
      "POST",
      { authToken: f.pers.identityToken },
      { "x-project-key": f.pers.tenant.projectKey },
    );
    expect(exchanged.status).toBe(200);
    expect((await send("/v1/get/me", { headers: f.user.headers })).status).toBe(200);
    expect((await send("/app/home", { headers: { Cookie: `session_token=${f.cookie}` } })).status).toBe(200);
    const sms = await send("/v1/notification/api/sms/send", {
      method: "POST",
      headers: { "X-Ping-Api-Key": f.apiKey },
    });
    expect(sms.status).toBe(200);
  });

  for (const [endpoint] of [...documented].filter(([e, op]) => e.method === "GET" && op.schemes.length > 0)) {
    it(`${endpoint.key} answers the valid request its variants start from`, { timeout: TIMEOUT_MS }, async () => {
      const res = await send(urlFor(endpoint, fixtures), { headers: endpoint.valid(fixtures) });
      expect(res.status, await res.text()).toBe(200);
    });
  }
});

for (const { endpoint, label, variants } of cases) {
  describe(label, { timeout: TIMEOUT_MS }, () => {
    for (const variant of variants) {
      it(`${variant.name} ${outcome(endpoint.dialect, variant)} and changes nothing`, async () => {
        const url = urlFor(endpoint, fixtures);
        const init = requestFor(endpoint, fixtures, variant);
        const before = await snapshotStorage();
        const res = await send(url, init);
        const text = await res.text();
        expect(res.status, text).toBe(statusIn(endpoint.dialect, variant.status));
        expect(text, "leaks no stack trace").not.toMatch(/\bat .+:\d+:\d+/);
        // RFC 9110 §15.5.2: a 401 always says which authentication would do.
        if (res.status === 401) expect(res.headers.get("WWW-Authenticate"), "a 401's challenge").toMatch(/realm=/);
        if (variant.json) expect(JSON.parse(text)).toMatchObject(variant.json);
        expect(storageChanges(before, await snapshotStorage()), "changes nothing in D1 or KV").toEqual(NO_CHANGES);
      });
    }
  });
}
