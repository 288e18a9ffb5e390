import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import shippedTable from "../../gateway.routes.json";
import { checkServiceBindings, loadRouteTable, parseRouteTable } from "../../src/gateway/route-table";
import testTable from "../support/gateway-routes.json";

type Entry = Record<string, unknown>;

/** A valid bearer route; each test breaks one thing. */
function entry(overrides: Entry = {}): Entry {
  return {
    name: "orders",
    path: "/orders/*",
    methods: ["GET"],
    credentials: ["bearer"],
    userTypes: ["user"],
    upstream: { url: "https://orders.internal" },
    ...overrides,
  };
}

function keyEntry(overrides: Entry = {}): Entry {
  return {
    name: "sms",
    path: "/sms/*",
    methods: ["POST"],
    credentials: ["api_key"],
    permissions: ["sms"],
    upstream: { service: "DEMO_UPSTREAM" },
    ...overrides,
  };
}

const TENANT = "00000000-0000-4000-8000-0000000000aa";

function persEntry(overrides: Entry = {}): Entry {
  return {
    name: "loyalty",
    path: "/loyalty/*",
    methods: ["GET"],
    credentials: ["pers"],
    upstream: { service: "DEMO_UPSTREAM" },
    ...overrides,
  };
}

const withOk = (...routes: Entry[]) => ({ routes: [entry({ name: "ok", path: "/ok" }), ...routes] });

function problemOf(table: unknown): string {
  try {
    parseRouteTable(table);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the table was accepted");
}

describe("the route table an operator writes", () => {
  it("ships a demo table and a test table that both validate", () => {
    expect(parseRouteTable(shippedTable).routes.map((route) => route.name)).toContain("get");
    expect(parseRouteTable(JSON.stringify(testTable)).routes.length).toBe(testTable.routes.length);
  });

  it("fills in defaults: 10 s timeout, audience from the upstream, credentials not forwarded", () => {
    const [byUrl, byService] = parseRouteTable({
      routes: [entry({ upstream: { url: "https://orders.internal/api/" } }), keyEntry()],
    }).routes;
    expect(byUrl?.timeoutMs).toBe(10_000);
    expect(byUrl?.forwardCredentials).toBe(false);
    expect(byUrl?.target).toEqual({
      upstream: { kind: "url", base: "https://orders.internal/api" },
      audience: "https://orders.internal",
    });
    expect(byService?.target.audience).toBe("service:DEMO_UPSTREAM");
    expect(byService?.sandbox).toBeNull();
  });

  it("keeps the sandbox: prefix for sandbox upstreams' audiences", () => {
    expect(problemOf(withOk(entry({ audience: "sandbox:https://orders.internal" })))).toMatch(
      /routes\[1\].*audience: "sandbox:" starts only the audiences of sandbox upstreams/,
    );
  });

  it("gives the sandbox its own audience, never the live one, even when the route states one", () => {
    const sandbox = { url: "https://sandbox.internal" };
    const [derived, stated] = parseRouteTable({
      routes: [
        keyEntry({ sandboxUpstream: sandbox }),
        keyEntry({ name: "email", path: "/email", sandboxUpstream: sandbox, audience: "notifications" }),
      ],
    }).routes;
    expect(derived?.sandbox?.audience).toBe("sandbox:https://sandbox.internal");
    expect(stated?.target.audience).toBe("notifications");
    expect(stated?.sandbox?.audience).toBe("sandbox:notifications");
  });

  it("allows one path under two routes when their methods differ (a public preflight, say)", () => {
    const table = parseRouteTable({
      routes: [
        entry(),
        entry({ name: "preflight", methods: ["OPTIONS"], credentials: ["public"], userTypes: undefined }),
      ],
    });
    expect(table.routes).toHaveLength(2);
  });
});

describe("routes that accept PERS access tokens", () => {
  it("accept any tenant and auth type unless the entry limits them", () => {
    const [open, limited] = parseRouteTable({
      routes: [
        persEntry(),
        persEntry({ name: "partner", path: "/partner/*", persAuthTypes: ["user", "business"], tenants: [TENANT] }),
      ],
    }).routes;
    expect(open?.credentialPolicy).toMatchObject({ accept: ["pers"], pers: {} });
    expect(open?.credentialPolicy?.pers?.authTypes).toBeUndefined();
    expect(open?.credentialPolicy?.pers?.tenants).toBeUndefined();
    expect([...(limited?.credentialPolicy?.pers?.authTypes ?? [])]).toEqual(["user", "business"]);
    expect([...(limited?.credentialPolicy?.pers?.tenants ?? [])]).toEqual([TENANT]);
  });

  it("may accept Ping bearer tokens too (told apart by the token's typ), with the user types bearer needs", () => {
    const [mixed] = parseRouteTable({
      routes: [persEntry({ credentials: ["pers", "bearer"], userTypes: ["user"], persAuthTypes: ["user"] })],
    }).routes;
    expect(mixed?.credentialPolicy?.accept).toEqual(["pers", "bearer"]);
    expect(problemOf(withOk(persEntry({ credentials: ["bearer", "pers"] })))).toMatch(/userTypes: required/);
  });
});

describe("a table with a mistake is refused, naming the entry, its path and the problem", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["text that is not JSON", "{ routes: [", /not valid JSON/],
    ["no routes", { routes: [] }, /table: routes/],
    ["a field the table does not know", { routes: [entry()], defaults: {} }, /table: .*defaults/],
    [
      "a misspelt route field",
      withOk(entry({ name: "x", permisions: ["sms"] })),
      /routes\[1\] \(path "\/orders\/\*"\): .*permisions/,
    ],
    ["a route without an upstream", withOk(entry({ upstream: undefined })), /routes\[1\].*upstream/],
    [
      "an upstream that is both a URL and a service",
      withOk(entry({ upstream: { url: "https://a.test", service: "DEMO_UPSTREAM" } })),
      /routes\[1\].*upstream/,
    ],
    ["a relative upstream URL", withOk(entry({ upstream: { url: "/orders" } })), /upstream\.url: not an absolute URL/],
    ["an upstream URL that is not HTTP", withOk(entry({ upstream: { url: "ftp://a.test" } })), /must be http or https/],
    [
      "an upstream URL with credentials in it",
      withOk(entry({ upstream: { url: "https://user:pw@a.test" } })),
      /must not carry credentials/,
    ],
    ["an upstream URL with a query", withOk(entry({ upstream: { url: "https://a.test/?x=1" } })), /query or fragment/],
    [
      "a service name that is not a binding name",
      withOk(entry({ upstream: { service: "demo-upstream" } })),
      /upstream/,
    ],
    [
      "a sandbox prefix that is not a path",
      withOk(keyEntry({ sandboxUpstream: { service: "S", pathPrefix: "sandbox/" } })),
      /sandboxUpstream/,
    ],
    ["a path without a leading slash", withOk(entry({ path: "orders/*" })), /path: must start with "\/"/],
    ["a path with a trailing slash", withOk(entry({ path: "/orders/" })), /must not end with "\/"/],
    ["a wildcard in the middle", withOk(entry({ path: "/orders/*/items" })), /`\*` may only be the last segment/],
    ["an empty segment", withOk(entry({ path: "/orders//items" })), /empty segment/],
    ["a dot segment", withOk(entry({ path: "/orders/../admin" })), /dot segments/],
    [
      "a character paths cannot hold",
      withOk(entry({ path: "/orders/a b" })),
      /characters a path pattern does not allow/,
    ],
    ["a parameter named twice", withOk(entry({ path: "/orders/:id/items/:id" })), /":id" appears twice/],
    ["a badly named parameter", withOk(entry({ path: "/orders/:1st" })), /bad parameter/],
    ["no methods", withOk(entry({ methods: [] })), /methods/],
    ["a method HTTP does not have", withOk(entry({ methods: ["FETCH"] })), /methods/],
    ["a method listed twice", withOk(entry({ methods: ["GET", "GET"] })), /methods: listed twice/],
    ["no credentials", withOk(entry({ credentials: [] })), /credentials/],
    ["an unknown credential kind", withOk(entry({ credentials: ["basic"] })), /credentials/],
    [
      "public mixed with a credential",
      withOk(entry({ credentials: ["public", "bearer"] })),
      /"public" cannot be combined with others/,
    ],
    ["a credential listed twice", withOk(entry({ credentials: ["bearer", "bearer"] })), /credentials: listed twice/],
    ["a bearer route without user types", withOk(entry({ userTypes: undefined })), /userTypes: required/],
    ["an unknown user type", withOk(entry({ userTypes: ["root"] })), /userTypes/],
    ["user types on an API-key route", withOk(keyEntry({ userTypes: ["user"] })), /userTypes: only applies/],
    ["an API-key route without permissions", withOk(keyEntry({ permissions: undefined })), /permissions: required/],
    ["an unknown permission", withOk(keyEntry({ permissions: ["sns"] })), /permissions/],
    [
      "permissions on a route that takes no API key",
      withOk(entry({ permissions: ["sms"] })),
      /permissions: only applies/,
    ],
    [
      "a sandbox on a route that takes neither API keys nor PERS tokens",
      withOk(entry({ sandboxUpstream: { url: "https://s.test" } })),
      /sandboxUpstream: only/,
    ],
    [
      "live-only on a route that takes neither API keys nor PERS tokens",
      withOk(entry({ liveOnly: true })),
      /liveOnly: only applies/,
    ],
    [
      "secret-keys-only on a route that takes no API key",
      withOk(entry({ secretKeysOnly: true })),
      /secretKeysOnly: only applies/,
    ],
    ["secretKeysOnly that is not a boolean", withOk(keyEntry({ secretKeysOnly: "yes" })), /secretKeysOnly/],
    [
      "live-only together with a sandbox",
      withOk(keyEntry({ liveOnly: true, sandboxUpstream: { service: "DEMO_UPSTREAM", pathPrefix: "/sandbox" } })),
      /liveOnly: a route with a sandboxUpstream/,
    ],
    ["pers mixed with public", withOk(persEntry({ credentials: ["pers", "public"] })), /"public" cannot be combined/],
    ["pers listed twice", withOk(persEntry({ credentials: ["pers", "pers"] })), /credentials: listed twice/],
    ["user types on a PERS-only route", withOk(persEntry({ userTypes: ["user"] })), /userTypes: only applies/],
    ["permissions on a PERS-only route", withOk(persEntry({ permissions: [] })), /permissions: only applies/],
    [
      "PERS auth types on a route that takes no PERS token",
      withOk(entry({ persAuthTypes: ["user"] })),
      /routes\[1\] \(path "\/orders\/\*"\): persAuthTypes: only applies to pers credentials/,
    ],
    [
      "tenants on a route that takes no PERS token",
      withOk(keyEntry({ tenants: [TENANT] })),
      /routes\[1\] \(path "\/sms\/\*"\): tenants: only applies to pers credentials/,
    ],
    ["an unknown PERS auth type", withOk(persEntry({ persAuthTypes: ["admin"] })), /persAuthTypes\.0/],
    ["an empty PERS auth type list", withOk(persEntry({ persAuthTypes: [] })), /persAuthTypes/],
    [
      "a PERS auth type listed twice",
      withOk(persEntry({ persAuthTypes: ["user", "user"] })),
      /persAuthTypes: listed twice/,
    ],
    ["an empty tenant list", withOk(persEntry({ tenants: [] })), /tenants/],
    [
      "a tenant that is not a public id",
      withOk(persEntry({ tenants: ["acme"] })),
      /routes\[1\] \(path "\/loyalty\/\*"\): tenants\.0: must be a tenant's public id/,
    ],
    ["a tenant id in upper case", withOk(persEntry({ tenants: [TENANT.toUpperCase()] })), /tenants\.0/],
    ["a tenant listed twice", withOk(persEntry({ tenants: [TENANT, TENANT] })), /tenants: listed twice/],
    ["a zero timeout", withOk(entry({ timeoutMs: 0 })), /timeoutMs/],
    ["a timeout above 30 s", withOk(entry({ timeoutMs: 30_001 })), /timeoutMs/],
    ["a fractional timeout", withOk(entry({ timeoutMs: 1.5 })), /timeoutMs/],
    ["forwardCredentials that is not a boolean", withOk(entry({ forwardCredentials: "yes" })), /forwardCredentials/],
    [
      "a name used twice",
      withOk(entry({ name: "ok", path: "/other" })),
      /routes\[1\].*name "ok" is taken by routes\[0\]/,
    ],
    ["a bad name", withOk(entry({ name: "Orders API" })), /name/],
    [
      "the same path and method twice",
      withOk(entry(), entry({ name: "again" })),
      /routes\[2\] \(path "\/orders\/\*"\): overlaps routes\[1\] \(path "\/orders\/\*"\) for GET/,
    ],
    [
      "a wildcard that would swallow a more specific route",
      withOk(entry({ name: "all", path: "/*", methods: ["GET", "POST"] })),
      /routes\[1\] \(path "\/\*"\): overlaps routes\[0\] \(path "\/ok"\) for GET/,
    ],
    [
      "a parameter beside a literal",
      withOk(entry({ path: "/ok/new" }), entry({ name: "b", path: "/ok/:id" })),
      /overlaps/,
    ],
    [
      "two parameter routes of one shape",
      withOk(entry({ path: "/ok/:id" }), entry({ name: "b", path: "/ok/:x" })),
      /overlaps/,
    ],
    [
      "a prefix and a path below it",
      withOk(entry({ path: "/a/*" }), entry({ name: "b", path: "/a/b" })),
      /overlaps routes\[1\]/,
    ],
  ];

  for (const [mistake, table, expected] of cases) {
    it(`refuses ${mistake}`, () => {
      expect(problemOf(table)).toMatch(expected);
    });
  }

  it("lists every problem at once", () => {
    const message = problemOf(withOk(entry({ path: "nope" }), keyEntry({ name: "k", permissions: ["sns"] })));
    expect(message).toMatch(/routes\[1\] \(path "nope"\): path: must start/);
    expect(message).toMatch(/routes\[2\] \(path "\/sms\/\*"\): permissions/);
  });

  it("does not count a parameter route and its parent path as overlapping", () => {
    expect(() => parseRouteTable(withOk(entry({ path: "/a/:id" }), entry({ name: "b", path: "/a" })))).not.toThrow();
  });
});

describe("service bindings named by the table", () => {
  it("must exist in the Worker's environment", () => {
    const table = parseRouteTable(withOk(keyEntry({ upstream: { service: "BILLING" } })));
    expect(() => checkServiceBindings(table, env as unknown as Record<string, unknown>)).toThrow(
      /routes\[1\] \(path "\/sms\/\*"\): upstream\.service: no service binding named "BILLING"/,
    );
  });

  it("must be services, not other bindings", () => {
    const table = parseRouteTable(withOk(keyEntry({ sandboxUpstream: { service: "KV" } })));
    expect(() => checkServiceBindings(table, env as unknown as Record<string, unknown>)).toThrow(
      /sandboxUpstream\.service: no service binding named "KV"/,
    );
  });

  it("are accepted when they are there", () => {
    const table = parseRouteTable(withOk(keyEntry()));
    expect(() => checkServiceBindings(table, env as unknown as Record<string, unknown>)).not.toThrow();
  });
});

describe("loading the table", () => {
  const bindings = env as unknown as Record<string, unknown>;

  it("compiles it once per source and reuses it", () => {
    const source = JSON.stringify(withOk(keyEntry()));
    expect(loadRouteTable(source, bindings)).toBe(loadRouteTable(source, bindings));
  });

  it("keeps failing a bad source with the same error", () => {
    const source = JSON.stringify(withOk(entry({ path: "bad" })));
    expect(() => loadRouteTable(source, bindings)).toThrow(/routes\[1\] \(path "bad"\)/);
    expect(() => loadRouteTable(source, bindings)).toThrow(/routes\[1\] \(path "bad"\)/);
  });
});
