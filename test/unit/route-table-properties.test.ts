import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { API_KEY_PERMISSIONS, PERS_AUTH_TYPES, USER_TYPES } from "../../src/domain";
import { HTTP_METHODS, MAX_TIMEOUT_MS, parseRouteTable } from "../../src/gateway/route-table";

/**
 * Properties of the gateway route-table parser: every table an operator could validly write is
 * accepted as written, and every one of the usual mistakes refuses the whole table with an error
 * naming the offending entry (never silently opening or dropping a route).
 */

type Entry = Record<string, unknown>;

const KNOWN_FIELDS = new Set([
  "name",
  "description",
  "path",
  "methods",
  "upstream",
  "sandboxUpstream",
  "audience",
  "credentials",
  "userTypes",
  "permissions",
  "persAuthTypes",
  "tenants",
  "liveOnly",
  "secretKeysOnly",
  "timeoutMs",
  "forwardCredentials",
]);

const literal = fc.stringMatching(/^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,7}$/);
const paramName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/);

/** Segments after the route's own first segment: literals, distinct `:params`, maybe a final `*`. */
const pathTail = fc
  .record({
    segments: fc.array(
      fc.oneof(
        literal,
        paramName.map((name) => `:${name}`),
      ),
      { maxLength: 4 },
    ),
    wildcard: fc.boolean(),
  })
  .map(({ segments, wildcard }) => {
    const seen = new Set<string>();
    const unique = segments.filter((segment) => !segment.startsWith(":") || (!seen.has(segment) && seen.add(segment)));
    return [...unique, ...(wildcard ? ["*"] : [])];
  });

const upstream = fc.oneof(
  fc.record({ url: fc.constantFrom("https://orders.internal", "http://10.0.0.1:8080/api", "https://a.example/b/c/") }),
  fc.record(
    { service: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/), pathPrefix: fc.constantFrom("/sandbox", "/v2/x") },
    { requiredKeys: ["service"] },
  ),
);

const tenantId = fc.uuid({ version: 4 });

const userCredentials = fc.record({
  kinds: fc.uniqueArray(fc.constantFrom("bearer", "api_key", "session", "pers"), { minLength: 1, maxLength: 4 }),
  userTypes: fc.uniqueArray(fc.constantFrom(...USER_TYPES), { minLength: 1, maxLength: USER_TYPES.length }),
  permissions: fc.uniqueArray(fc.constantFrom(...API_KEY_PERMISSIONS), { maxLength: API_KEY_PERMISSIONS.length }),
  keyMode: fc.constantFrom("any", "liveOnly", "sandbox"),
  persAuthTypes: fc.option(
    fc.uniqueArray(fc.constantFrom(...PERS_AUTH_TYPES), { minLength: 1, maxLength: PERS_AUTH_TYPES.length }),
    { nil: undefined },
  ),
  tenants: fc.option(fc.uniqueArray(tenantId, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  secretKeysOnly: fc.boolean(),
});

/** The credential fields of one valid entry: public alone, or any credentials with what each requires. */
const credentialFields = fc.oneof(
  fc.constant<Entry>({ credentials: ["public"] }),
  userCredentials.map(({ kinds, userTypes, permissions, keyMode, persAuthTypes, tenants, secretKeysOnly }) => {
    const fields: Entry = { credentials: kinds };
    if (kinds.includes("pers")) {
      if (persAuthTypes) fields.persAuthTypes = persAuthTypes;
      if (tenants) fields.tenants = tenants;
    }
    if (kinds.includes("bearer") || kinds.includes("session")) fields.userTypes = userTypes;
    if (kinds.includes("api_key")) {
      fields.permissions = permissions;
      if (keyMode === "liveOnly") fields.liveOnly = true;
      if (keyMode === "sandbox") fields.sandboxUpstream = { service: "SANDBOX", pathPrefix: "/sandbox" };
      if (secretKeysOnly) fields.secretKeysOnly = true;
    }
    return fields;
  }),
);

const entrySpec = fc.record(
  {
    nameSuffix: fc.stringMatching(/^[a-z0-9._-]{0,12}$/),
    tail: pathTail,
    methods: fc.uniqueArray(fc.constantFrom(...HTTP_METHODS), { minLength: 1, maxLength: HTTP_METHODS.length }),
    upstream,
    credentials: credentialFields,
    timeoutMs: fc.integer({ min: 1, max: MAX_TIMEOUT_MS }),
    audience: fc.constantFrom("https://orders.internal", "urn:origin:x"),
    forwardCredentials: fc.boolean(),
  },
  { requiredKeys: ["nameSuffix", "tail", "methods", "upstream", "credentials"] },
);

type EntrySpec = typeof entrySpec extends fc.Arbitrary<infer T> ? T : never;

/** Entry `index` of a table: its own first path segment and name, so no two entries collide. */
function entryAt(index: number, spec: EntrySpec): Entry {
  const { nameSuffix, tail, credentials, ...rest } = spec;
  return { ...rest, ...credentials, name: `r${index}${nameSuffix}`, path: ["", `p${index}`, ...tail].join("/") };
}

const validTable = fc
  .array(entrySpec, { minLength: 1, maxLength: 8 })
  .map((specs) => specs.map((spec, index) => entryAt(index, spec)));

/** A path the entry's pattern must match: params and the wildcard filled in. */
function concretePath(path: string): string {
  return path
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "value" : segment === "*" ? "rest/of/it" : segment))
    .join("/");
}

function refusal(routes: Entry[]): string {
  try {
    parseRouteTable({ routes });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the table was accepted");
}

const naming = (index: number, routes: Entry[]) => `routes[${index}] (path ${JSON.stringify(routes[index]?.path)})`;

/** The error blames entry `index` and no other (an overlap also mentions the entry it overlaps). */
function expectNamesOnly(message: string, index: number, routes: Entry[]) {
  expect(message).toMatch(/^Invalid gateway route table: /);
  expect(message).toContain(naming(index, routes));
  const blamed = /(?:^Invalid gateway route table: |; )routes\[(\d+)\]/g;
  const named = new Set([...message.matchAll(blamed)].map((match) => Number(match[1])));
  expect([...named]).toEqual([index]);
}

describe("route table parser: valid tables", () => {
  it("every valid table is accepted as written, as JSON text or as a value", () => {
    fc.assert(
      fc.property(validTable, (routes) => {
        const table = parseRouteTable({ routes });
        expect(parseRouteTable(JSON.stringify({ routes })).routes.map((route) => route.name)).toEqual(
          table.routes.map((route) => route.name),
        );
        expect(table.routes).toHaveLength(routes.length);
        for (const [index, route] of table.routes.entries()) {
          const entry = routes[index] as Entry & { credentials: string[]; methods: string[]; path: string };
          expect(route.index).toBe(index);
          expect(route.name).toBe(entry.name);
          expect([...route.methods].sort()).toEqual([...entry.methods].sort());
          const policy = route.credentialPolicy;
          expect(policy === null).toBe(entry.credentials.includes("public"));
          if (policy) {
            expect(policy.accept).toEqual(entry.credentials);
            expect(policy.apiKey?.permissions).toEqual(entry.permissions ?? []);
            expect([...(policy.userTypes ?? [])].sort()).toEqual([...((entry.userTypes as string[]) ?? [])].sort());
            expect(policy.apiKey?.liveOnly).toBe(entry.liveOnly === true);
            expect(policy.pers?.authTypes && [...policy.pers.authTypes]).toEqual(entry.persAuthTypes);
            expect(policy.pers?.tenants && [...policy.pers.tenants]).toEqual(entry.tenants);
            expect(policy.apiKey?.kinds).toEqual(entry.secretKeysOnly ? ["secret"] : undefined);
          }
          expect(route.sandbox === null).toBe(entry.sandboxUpstream === undefined);
          expect(route.pattern.regex.test(concretePath(entry.path))).toBe(true);
        }
      }),
    );
  });
});

type Mutation = (routes: Entry[], index: number, other: number) => { routes: Entry[]; named: number; says: RegExp };

function mutated(routes: Entry[], index: number, change: (entry: Entry) => Entry): Entry[] {
  return routes.map((entry, i) => (i === index ? change({ ...entry }) : entry));
}

const unknownField = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((key) => !KNOWN_FIELDS.has(key) && key !== "__proto__");
const badMethod = fc.oneof(
  fc.constantFrom("get", "Post", "TRACE", "CONNECT", "", "GET ", "*"),
  fc.string({ maxLength: 8 }).filter((method) => !(HTTP_METHODS as readonly string[]).includes(method)),
);
const userKinds = fc.uniqueArray(fc.constantFrom("bearer", "session"), { minLength: 1, maxLength: 2 });
const otherKinds = fc.uniqueArray(fc.constantFrom("bearer", "api_key", "session"), { minLength: 1, maxLength: 3 });

/** Each mistake, with the entry its error must name and what it must say. */
const mutation: fc.Arbitrary<[string, Mutation]> = fc.oneof(
  unknownField.map((key): [string, Mutation] => [
    `unknown field ${JSON.stringify(key)}`,
    (routes, i) => ({ routes: mutated(routes, i, (e) => ({ ...e, [key]: true })), named: i, says: /Unrecognized key/ }),
  ]),
  badMethod.map((method): [string, Mutation] => [
    `bad method ${JSON.stringify(method)}`,
    (routes, i) => ({
      routes: mutated(routes, i, (e) => ({ ...e, methods: [...(e.methods as string[]), method] })),
      named: i,
      says: /methods\.\d+/,
    }),
  ]),
  fc.constant<[string, Mutation]>([
    "empty credentials",
    (routes, i) => ({ routes: mutated(routes, i, (e) => ({ ...e, credentials: [] })), named: i, says: /credentials/ }),
  ]),
  fc.tuple(otherKinds, fc.boolean()).map(([kinds, publicFirst]): [string, Mutation] => [
    `public mixed with ${kinds.join(", ")}`,
    (routes, i) => ({
      routes: mutated(routes, i, (e) => ({
        ...e,
        credentials: publicFirst ? ["public", ...kinds] : [...kinds, "public"],
      })),
      named: i,
      says: /"public" cannot be combined with others/,
    }),
  ]),
  userKinds.map((kinds): [string, Mutation] => [
    `permissions on a ${kinds.join(", ")} route`,
    (routes, i) => ({
      routes: mutated(routes, i, ({ sandboxUpstream: _s, liveOnly: _l, ...e }) => ({
        ...e,
        credentials: kinds,
        userTypes: ["user"],
        permissions: ["sms"],
      })),
      named: i,
      says: /permissions: only applies to api_key credentials/,
    }),
  ]),
  fc.tuple(otherKinds, fc.constantFrom("persAuthTypes", "tenants")).map(([kinds, field]): [string, Mutation] => [
    `${field} on a ${kinds.join(", ")} route`,
    (routes, i) => ({
      routes: mutated(routes, i, (e) => ({
        name: e.name,
        path: e.path,
        methods: e.methods,
        upstream: { url: "https://orders.internal" },
        credentials: kinds,
        ...(kinds.includes("bearer") || kinds.includes("session") ? { userTypes: ["user"] } : {}),
        ...(kinds.includes("api_key") ? { permissions: [] } : {}),
        [field]: field === "tenants" ? ["00000000-0000-4000-8000-000000000001"] : ["user"],
      })),
      named: i,
      says: new RegExp(`${field}: only applies to pers credentials`),
    }),
  ]),
  fc.constant<[string, Mutation]>([
    "a duplicate of another entry's path and methods",
    (routes, i, j) => ({
      routes: mutated(routes, i, (e) => ({ ...e, path: routes[j]?.path, methods: routes[j]?.methods })),
      named: Math.max(i, j),
      says: new RegExp(`overlaps routes\\[${Math.min(i, j)}\\]`),
    }),
  ]),
  fc.constant<[string, Mutation]>([
    "a wildcard path over another entry's",
    (routes, i, j) => ({
      routes: mutated(routes, i, (e) => ({ ...e, path: `/p${j}/*`, methods: routes[j]?.methods })),
      named: Math.max(i, j),
      says: new RegExp(`overlaps routes\\[${Math.min(i, j)}\\]`),
    }),
  ]),
);

describe("route table parser: mistakes", () => {
  it("any one mistake in any entry refuses the whole table, naming that entry and no other", () => {
    fc.assert(
      fc.property(
        validTable.filter((routes) => routes.length >= 2),
        fc.nat(),
        fc.nat(),
        mutation,
        (routes, a, b, [, mutate]) => {
          const index = a % routes.length;
          const other = (index + 1 + (b % (routes.length - 1))) % routes.length;
          const { routes: broken, named, says } = mutate(routes, index, other);
          const message = refusal(broken);
          expectNamesOnly(message, named, broken);
          expect(message).toMatch(says);
        },
      ),
    );
  });

  it("the same mistake in a one-entry table is refused too", () => {
    fc.assert(
      fc.property(
        validTable.map((routes) => routes.slice(0, 1)),
        unknownField,
        badMethod,
        (routes, key, method) => {
          expectNamesOnly(refusal(mutated(routes, 0, (e) => ({ ...e, [key]: 1 }))), 0, routes);
          expectNamesOnly(refusal(mutated(routes, 0, (e) => ({ ...e, credentials: [] }))), 0, routes);
          const withBadMethod = mutated(routes, 0, (e) => ({ ...e, methods: [method] }));
          expectNamesOnly(refusal(withBadMethod), 0, withBadMethod);
        },
      ),
    );
  });
});

describe("route table parser: overlaps", () => {
  const segment = fc.constantFrom("a", "b", ":id", ":other");
  const pattern = fc.tuple(fc.array(segment, { maxLength: 3 }), fc.boolean()).map(([segments, wildcard]) => {
    const seen = new Set<string>();
    const unique = segments.filter((s) => !s.startsWith(":") || (!seen.has(s) && seen.add(s)));
    const all = [...unique, ...(wildcard ? ["*"] : [])];
    return all.length === 0 ? "/" : `/${all.join("/")}`;
  });
  const requestPath = fc.array(fc.constantFrom("a", "b", "x"), { maxLength: 5 }).map((parts) => `/${parts.join("/")}`);

  it("two entries that one request path could both match are never both accepted", () => {
    fc.assert(
      fc.property(pattern, pattern, fc.array(requestPath, { minLength: 1, maxLength: 10 }), (first, second, paths) => {
        const route = (name: string, path: string) => ({
          name,
          path,
          methods: ["GET"],
          credentials: ["public"],
          upstream: { url: "https://origin.internal" },
        });
        const routes = [route("first", first), route("second", second)];
        let accepted: ReturnType<typeof parseRouteTable> | null = null;
        try {
          accepted = parseRouteTable({ routes });
        } catch (error) {
          expectNamesOnly((error as Error).message, 1, routes);
          return;
        }
        for (const path of paths) {
          const matching = accepted.routes.filter((r) => r.pattern.regex.test(path));
          expect(matching.length, `${path} matches ${first} and ${second}`).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});
