import { z } from "zod";
import {
  API_KEY_PERMISSIONS,
  CREDENTIAL_KINDS,
  type CredentialKind,
  type CredentialPolicy,
  PERS_AUTH_TYPES,
  USER_TYPES,
} from "../domain";
import { compilePathPattern, type PathPattern, patternsOverlap } from "./path-pattern";

/**
 * The gateway's route table: data that operators edit (`gateway.routes.json`, or the
 * `GATEWAY_ROUTES` var holding the same JSON), validated strictly and compiled once per isolate.
 * A table with any problem is refused as a whole, naming every offending entry: a typo must never
 * silently open a route.
 */

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_TIMEOUT_MS = 30_000;

const BINDING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PATH_PREFIX = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/;
/** A tenant's (business's) public id, as Gatehouse issues them: a lower-case UUID. */
const TENANT_PUBLIC_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const upstreamSchema = z.union(
  [
    z.strictObject({ url: z.string().max(2048) }),
    z.strictObject({
      service: z.string().regex(BINDING_NAME, "must be a binding name"),
      pathPrefix: z.string().regex(PATH_PREFIX, 'must look like "/sandbox"').optional(),
    }),
  ],
  { error: 'must be {"url": "https://…"} or {"service": "BINDING_NAME", "pathPrefix"?: "/…"}' },
);

const routeSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "lower-case letters, digits, '.', '_' or '-'"),
  description: z.string().max(500).optional(),
  path: z.string(),
  methods: z.array(z.enum(HTTP_METHODS)).min(1),
  upstream: upstreamSchema,
  sandboxUpstream: upstreamSchema.optional(),
  audience: z.string().min(1).max(512).optional(),
  credentials: z.array(z.enum([...CREDENTIAL_KINDS, "public"])).min(1),
  userTypes: z.array(z.enum(USER_TYPES)).min(1).optional(),
  permissions: z.array(z.enum(API_KEY_PERMISSIONS)).optional(),
  persAuthTypes: z.array(z.enum(PERS_AUTH_TYPES)).min(1).optional(),
  tenants: z
    .array(z.string().regex(TENANT_PUBLIC_ID, "must be a tenant's public id (a lower-case UUID)"))
    .min(1)
    .optional(),
  liveOnly: z.boolean().optional(),
  secretKeysOnly: z.boolean().optional(),
  timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).optional(),
  forwardCredentials: z.boolean().optional(),
});

const tableSchema = z.strictObject({
  $schema: z.string().optional(),
  routes: z.array(z.unknown()).min(1),
});

export type RouteEntry = z.infer<typeof routeSchema>;

export type Upstream = { kind: "url"; base: string } | { kind: "service"; binding: string; pathPrefix: string };

/** Where a request goes, and the `aud` of the assertion that travels with it. */
export interface UpstreamTarget {
  upstream: Upstream;
  audience: string;
}

export interface GatewayRoute {
  index: number;
  name: string;
  /** The operator's words for it, shown in `/openapi.json`. */
  description: string | null;
  pattern: PathPattern;
  methods: ReadonlySet<string>;
  target: UpstreamTarget;
  /** Where test-mode API keys go instead, when configured. */
  sandbox: UpstreamTarget | null;
  /**
   * Who may call it, as `services/auth` checks it: the accepted credentials in the table's order,
   * the user types, and what an API key must carry. Null for a public route, which ignores
   * whatever credential it is sent.
   */
  credentialPolicy: CredentialPolicy | null;
  timeoutMs: number;
  forwardCredentials: boolean;
}

export interface RouteTable {
  routes: readonly GatewayRoute[];
}

class RouteProblems {
  readonly lines: string[] = [];

  add(index: number | null, path: unknown, problem: string) {
    const where = index === null ? "table" : `routes[${index}] (path ${JSON.stringify(path ?? null)})`;
    this.lines.push(`${where}: ${problem}`);
  }

  throwIfAny() {
    if (this.lines.length > 0) throw new Error(`Invalid gateway route table: ${this.lines.join("; ")}`);
  }
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message));
}

function compileUpstream(raw: RouteEntry["upstream"], field: string): Upstream | string {
  if ("service" in raw) {
    return { kind: "service", binding: raw.service, pathPrefix: raw.pathPrefix ?? "" };
  }
  let url: URL;
  try {
    url = new URL(raw.url);
  } catch {
    return `${field}.url: not an absolute URL`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `${field}.url: must be http or https`;
  if (url.username || url.password) return `${field}.url: must not carry credentials`;
  if (url.search || url.hash || raw.url.includes("?") || raw.url.includes("#")) {
    return `${field}.url: must not have a query or fragment (the client's query is forwarded)`;
  }
  return { kind: "url", base: `${url.origin}${url.pathname.replace(/\/+$/, "")}` };
}

function defaultAudience(upstream: Upstream): string {
  return upstream.kind === "url" ? new URL(upstream.base).origin : `service:${upstream.binding}`;
}

/**
 * The sandbox's own audience, so an assertion a test key earned there never verifies at the live
 * origin, even when both share a binding, an origin or the route's stated `audience`.
 */
export const SANDBOX_AUDIENCE_PREFIX = "sandbox:";
function sandboxAudience(entry: RouteEntry, sandbox: Upstream): string {
  return SANDBOX_AUDIENCE_PREFIX + (entry.audience ?? defaultAudience(sandbox));
}

/** The rules that span several fields of one entry. */
function checkEntry(entry: RouteEntry): string[] {
  const problems: string[] = [];
  const accepts = new Set(entry.credentials);
  const isPublic = accepts.has("public");
  const acceptsApiKey = accepts.has("api_key");
  const acceptsUser = accepts.has("bearer") || accepts.has("session");
  const acceptsPers = accepts.has("pers");
  if (accepts.size !== entry.credentials.length) problems.push("credentials: listed twice");
  if (isPublic && entry.credentials.length > 1) problems.push('credentials: "public" cannot be combined with others');
  if (new Set(entry.methods).size !== entry.methods.length) problems.push("methods: listed twice");
  if (acceptsUser && !entry.userTypes) problems.push("userTypes: required when bearer or session is accepted");
  if (!acceptsUser && entry.userTypes) problems.push("userTypes: only applies to bearer or session credentials");
  if (acceptsApiKey && !entry.permissions) problems.push("permissions: required when api_key is accepted ([] = any)");
  if (!acceptsApiKey && entry.permissions) problems.push("permissions: only applies to api_key credentials");
  if (!acceptsPers && entry.persAuthTypes) problems.push("persAuthTypes: only applies to pers credentials");
  if (!acceptsPers && entry.tenants) problems.push("tenants: only applies to pers credentials");
  if (entry.persAuthTypes && new Set(entry.persAuthTypes).size !== entry.persAuthTypes.length) {
    problems.push("persAuthTypes: listed twice");
  }
  if (entry.tenants && new Set(entry.tenants).size !== entry.tenants.length) problems.push("tenants: listed twice");
  if (!acceptsApiKey && !acceptsPers && entry.sandboxUpstream) {
    problems.push("sandboxUpstream: only test API keys and PERS sessions use it");
  }
  if (!acceptsApiKey && !acceptsPers && entry.liveOnly) {
    problems.push("liveOnly: only applies to api_key and pers");
  }
  if (!acceptsApiKey && entry.secretKeysOnly) problems.push("secretKeysOnly: only applies to api_key credentials");
  if (entry.liveOnly && entry.sandboxUpstream) {
    problems.push("liveOnly: a route with a sandboxUpstream sends test keys there; choose one");
  }
  if (entry.audience?.startsWith(SANDBOX_AUDIENCE_PREFIX)) {
    problems.push(`audience: "${SANDBOX_AUDIENCE_PREFIX}" starts only the audiences of sandbox upstreams`);
  }
  return problems;
}

function compileEntry(entry: RouteEntry, index: number): GatewayRoute | string[] {
  const problems = checkEntry(entry);
  const pattern = compilePathPattern(entry.path);
  if (typeof pattern === "string") problems.push(`path: ${pattern}`);
  const upstream = compileUpstream(entry.upstream, "upstream");
  if (typeof upstream === "string") problems.push(upstream);
  const sandbox = entry.sandboxUpstream ? compileUpstream(entry.sandboxUpstream, "sandboxUpstream") : null;
  if (typeof sandbox === "string") problems.push(sandbox);
  if (problems.length > 0 || typeof pattern === "string" || typeof upstream === "string" || typeof sandbox === "string")
    return problems;

  return {
    index,
    name: entry.name,
    description: entry.description ?? null,
    pattern,
    methods: new Set(entry.methods),
    target: { upstream, audience: entry.audience ?? defaultAudience(upstream) },
    sandbox: sandbox ? { upstream: sandbox, audience: sandboxAudience(entry, sandbox) } : null,
    credentialPolicy: credentialPolicyOf(entry),
    timeoutMs: entry.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    forwardCredentials: entry.forwardCredentials ?? false,
  };
}

/**
 * Publishable and secret keys pass a route alike, by their permissions (SPEC §2.4: the Ping seed
 * sends an SMS with a `pk_live_` key). `secretKeysOnly` is the operator's opt-in for a route a
 * key that may sit in a browser must never reach. A PERS access
 * token may be of any tenant and auth type unless the entry lists some.
 */
function credentialPolicyOf(entry: RouteEntry): CredentialPolicy | null {
  if (entry.credentials.includes("public")) return null;
  return {
    accept: entry.credentials.filter((kind): kind is CredentialKind => kind !== "public"),
    userTypes: new Set(entry.userTypes ?? []),
    apiKey: {
      ...(entry.secretKeysOnly ? { kinds: ["secret"] as const } : {}),
      permissions: entry.permissions ?? [],
      liveOnly: entry.liveOnly ?? false,
    },
    pers: {
      ...(entry.persAuthTypes ? { authTypes: new Set(entry.persAuthTypes) } : {}),
      ...(entry.tenants ? { tenants: new Set(entry.tenants) } : {}),
      ...(entry.liveOnly ? { liveOnly: true } : {}),
    },
  };
}

/** Two routes that could both answer one request would make the table's meaning depend on order. */
function checkAcrossRoutes(routes: GatewayRoute[], problems: RouteProblems) {
  const names = new Map<string, number>();
  for (const [position, route] of routes.entries()) {
    const earlier = names.get(route.name);
    if (earlier !== undefined)
      problems.add(route.index, route.pattern.source, `name "${route.name}" is taken by routes[${earlier}]`);
    else names.set(route.name, route.index);
    for (const other of routes.slice(0, position)) {
      const shared = [...route.methods].filter((method) => other.methods.has(method));
      if (shared.length > 0 && patternsOverlap(route.pattern, other.pattern)) {
        problems.add(
          route.index,
          route.pattern.source,
          `overlaps routes[${other.index}] (path ${JSON.stringify(other.pattern.source)}) for ${shared.join(", ")}`,
        );
      }
    }
  }
}

/** Validates and compiles a route table (a JSON string or the parsed value); throws naming every problem. */
export function parseRouteTable(source: unknown): RouteTable {
  let json = source;
  if (typeof source === "string") {
    try {
      json = JSON.parse(source);
    } catch {
      throw new Error("Invalid gateway route table: not valid JSON");
    }
  }
  const problems = new RouteProblems();
  const table = tableSchema.safeParse(json);
  if (!table.success) {
    for (const issue of issuesOf(table.error)) problems.add(null, null, issue);
    problems.throwIfAny();
  }
  const routes: GatewayRoute[] = [];
  for (const [index, raw] of (table.data?.routes ?? []).entries()) {
    const path = (raw as { path?: unknown } | null)?.path;
    const entry = routeSchema.safeParse(raw);
    if (!entry.success) {
      for (const issue of issuesOf(entry.error)) problems.add(index, path, issue);
      continue;
    }
    const compiled = compileEntry(entry.data, index);
    if (Array.isArray(compiled)) for (const problem of compiled) problems.add(index, path, problem);
    else routes.push(compiled);
  }
  checkAcrossRoutes(routes, problems);
  problems.throwIfAny();
  return { routes };
}

/** Every service binding the table names must exist in this Worker's environment. */
export function checkServiceBindings(table: RouteTable, bindings: Readonly<Record<string, unknown>>): void {
  const problems = new RouteProblems();
  for (const route of table.routes) {
    for (const [field, target] of [
      ["upstream", route.target],
      ["sandboxUpstream", route.sandbox],
    ] as const) {
      if (target?.upstream.kind !== "service") continue;
      const binding = bindings[target.upstream.binding] as { fetch?: unknown } | undefined;
      if (typeof binding?.fetch !== "function") {
        problems.add(
          route.index,
          route.pattern.source,
          `${field}.service: no service binding named "${target.upstream.binding}"`,
        );
      }
    }
  }
  problems.throwIfAny();
}

/**
 * No route's assertion may have the audience of Gatehouse's own tokens: one key signs access
 * tokens, PERS tokens and assertions, so an origin that checked `aud` and not `typ` would take a
 * user's access token, presented to it directly, for an assertion.
 */
export function checkAudiences(table: RouteTable, tokenAudiences: readonly string[]): void {
  const problems = new RouteProblems();
  for (const route of table.routes) {
    for (const target of [route.target, route.sandbox]) {
      if (target && tokenAudiences.includes(target.audience)) {
        problems.add(
          route.index,
          route.pattern.source,
          `audience: "${target.audience}" is the audience of Gatehouse's own tokens`,
        );
      }
    }
  }
  problems.throwIfAny();
}

// Parsing and compiling happen once per isolate per table source; a bad table keeps failing
// every gateway request (loudly, in the logs) rather than being re-parsed each time.
let parsed: { source: unknown; table: RouteTable | null; error: Error | null } | undefined;
const bindingsChecked = new WeakMap<object, RouteTable>();

function parseOnce(source: unknown): RouteTable {
  let current = parsed;
  if (!current || current.source !== source) {
    try {
      current = { source, table: parseRouteTable(source), error: null };
    } catch (error) {
      current = { source, table: null, error: error instanceof Error ? error : new Error(String(error)) };
    }
    parsed = current;
  }
  if (!current.table) throw current.error;
  return current.table;
}

/** The compiled table for `source`, checked against the Worker's bindings. Throws if it is invalid. */
export function loadRouteTable(source: unknown, bindings: Readonly<Record<string, unknown>>): RouteTable {
  const table = parseOnce(source);
  if (bindingsChecked.get(bindings) !== table) {
    checkServiceBindings(table, bindings);
    bindingsChecked.set(bindings, table);
  }
  return table;
}
