import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_ROUTE_EXTENSION } from "../../src/gateway/openapi-document";
import { pingLogin } from "../faults/clients";
import { expectUnavailable } from "../faults/expect-unavailable";
import { faultyD1, faultyKv } from "../faults/faulty-bindings";
import { createUser, uniqueEmail } from "../support/accounts";
import { createKey, signedInOwner } from "../support/api-keys";
import { type Schema, schemaProblems } from "../support/openapi-schema";
import { tenantTrustingProvider } from "../support/pers-session";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";

/**
 * `/openapi.json` declares the 503 every route that needs D1, KV, a rate limiter or a JWKS can
 * answer (docs/resilience.md), in the route's own dialect and with `Retry-After`; and what a route
 * really sends when a dependency is down is what its declaration says.
 */

interface Media {
  schema: Schema;
  example?: unknown;
}
interface DeclaredResponse {
  headers?: Record<string, { required?: boolean; schema: Schema }>;
  content?: Record<string, Media>;
}
interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, DeclaredResponse>;
  [GATEWAY_ROUTE_EXTENSION]?: string;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);

/** Gatehouse's own operations that read no dependency: the public keys come from the Worker's secret. */
const READS_NO_DEPENDENCY = new Set(["GET /.well-known/jwks.json"]);

let document: Document;
beforeAll(async () => {
  const res = await send("/openapi.json");
  expect(res.status).toBe(200);
  document = (await res.json()) as Document;
});

function operations(): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]),
  );
}

/** A public gateway route checks no credential, and forwards without reading anything. */
const isPublicGatewayRoute = (operation: Operation) =>
  operation[GATEWAY_ROUTE_EXTENSION] !== undefined && (operation.security ?? []).length === 0;

/** `media type → schema` of a response, by `$ref` or `type`: the words of a dialect. */
function wordsOf(response: DeclaredResponse | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(response?.content ?? {}).map(([type, media]) => [type, media.schema.$ref ?? media.schema.type]),
  );
}

function declared503(key: string): DeclaredResponse {
  const [method = "", path = ""] = key.split(" ");
  const response = document.paths[path]?.[method.toLowerCase()]?.responses["503"];
  if (!response) throw new Error(`${key} declares no 503`);
  return response;
}

/** The response is the 503 `key` declares: a declared media type, its schema, its example, its header. */
async function expectAsDeclared(key: string, res: Response): Promise<void> {
  const declared = declared503(key);
  const mediaType = (res.headers.get("Content-Type") ?? "").split(";")[0]?.trim() ?? "";
  const media = declared.content?.[mediaType];
  expect(media, `${key} declares no ${mediaType} 503`).toBeDefined();
  const text = await res.text();
  const body = mediaType === "application/json" ? JSON.parse(text) : text;
  expect(schemaProblems(body, media?.schema ?? {}, document.components.schemas), key).toEqual([]);
  expect(body, key).toEqual(media?.example);
  const retryAfter = declared.headers?.["Retry-After"];
  expect(retryAfter?.required, key).toBe(true);
  const seconds = Number(res.headers.get("Retry-After"));
  expect(schemaProblems(seconds, retryAfter?.schema ?? {}, document.components.schemas), key).toEqual([]);
}

describe("/openapi.json declares 503", () => {
  it("on every operation that can answer it, with Retry-After, in the words of its other errors", () => {
    const declaring: string[] = [];
    for (const [key, operation] of operations()) {
      const unavailable = operation.responses["503"];
      if (READS_NO_DEPENDENCY.has(key) || isPublicGatewayRoute(operation)) {
        expect(unavailable, `${key} cannot answer 503`).toBeUndefined();
        continue;
      }
      expect(unavailable, `${key} declares no 503`).toBeDefined();
      expect(unavailable?.headers?.["Retry-After"], key).toMatchObject({
        required: true,
        schema: { type: "integer", minimum: 1 },
      });
      const words = wordsOf(unavailable);
      expect(Object.keys(words).length, key).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (/^4\d\d$/.test(status))
          expect(words, `${key}: 503 and ${status} in other words`).toEqual(wordsOf(response));
      }
      declaring.push(key);
    }
    // Each dialect's routes are among them, the gateway's runtime-added ones included.
    expect(declaring).toEqual(
      expect.arrayContaining([
        "GET /v1/admin/users",
        "POST /v1/auth/register",
        "POST /v1/auth/login",
        "POST /v2/auth/token",
        "GET /v1/auth/api-key",
        "POST /v1/notification/api/sms/{path}",
      ]),
    );
  });

  it("nowhere else: the operations left out really answer through an outage of D1 and KV", async () => {
    const d1 = faultyD1(env.DB, { fail: "all" });
    const kv = faultyKv(env.KV, { fail: "all" });
    const down = { DB: d1.binding, KV: kv.binding };
    expect(isPublicGatewayRoute(document.paths["/v1/public/{path}"]?.get as Operation)).toBe(true);
    const credentials = { Authorization: "Bearer not-checked", "X-Ping-Api-Key": "not-checked" };
    expect((await send("/v1/public/x", { headers: credentials }, down)).status).toBe(200);
    expect((await send("/.well-known/jwks.json", {}, down)).status).toBe(200);
    expect([...d1.calls, ...kv.calls]).toEqual([]);
  });
});

describe("a real 503 is what its operation declares", () => {
  const d1Down = () => ({ DB: faultyD1(env.DB, { fail: "all" }).binding });

  it("Ping: an admin read with D1 down", async () => {
    const admin = await signedInUser("adminuser");
    const res = await send("/v1/admin/users", { headers: admin.headers }, d1Down());
    await expectUnavailable(res.clone(), "ping");
    await expectAsDeclared("GET /v1/admin/users", res);
  });

  it("Ping and PingPage on the shared login path: each flow's own media type", async () => {
    const user = await createUser();
    const token = await pingLogin(user, d1Down());
    await expectUnavailable(token.clone(), "ping");
    await expectAsDeclared("POST /v1/auth/login", token);
    const cookie = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      {},
      d1Down(),
    );
    await expectUnavailable(cookie.clone(), "pingpage");
    await expectAsDeclared("POST /v1/auth/login", cookie);
  });

  it("PingPage: a register whose insert fails", async () => {
    const res = await sendJson(
      "/v1/auth/register",
      "POST",
      { email: uniqueEmail("declared-503"), password: "a long enough password", name: "Outage Person" },
      {},
      { DB: faultyD1(env.DB, { fail: "writes" }).binding },
    );
    await expectUnavailable(res.clone(), "pingpage");
    await expectAsDeclared("POST /v1/auth/register", res);
  });

  it("PERS: an exchange with D1 down", async () => {
    const { tenant, idp } = await tenantTrustingProvider();
    const res = await sendJson(
      "/v2/auth/token",
      "POST",
      { authToken: await idp.token("declared-503") },
      { "X-API-Key": tenant.projectKey },
      d1Down(),
    );
    await expectUnavailable(res.clone(), "pers");
    await expectAsDeclared("POST /v2/auth/token", res);
  });

  it("the gateway: a cold API key with D1 down, on a table route and on /v1/auth/api-key", async () => {
    const owner = await signedInOwner();
    const forwarded = await send(
      "/v1/notification/api/sms/send",
      { method: "POST", headers: { "X-Ping-Api-Key": (await createKey(owner)).key } },
      d1Down(),
    );
    await expectUnavailable(forwarded.clone(), "gateway");
    await expectAsDeclared("POST /v1/notification/api/sms/{path}", forwarded);
    const whoAmI = await send(
      "/v1/auth/api-key",
      { headers: { "X-Ping-Api-Key": (await createKey(owner)).key } },
      d1Down(),
    );
    await expectUnavailable(whoAmI.clone(), "gateway");
    await expectAsDeclared("GET /v1/auth/api-key", whoAmI);
  });

  it("the check can fail: another dialect's 503 body does not match a declared schema", () => {
    const schemas = document.components.schemas;
    const ping = declared503("GET /v1/admin/users").content?.["application/json"];
    const pers = declared503("POST /v2/auth/token").content?.["application/json"];
    expect(schemaProblems(pers?.example, ping?.schema ?? {}, schemas)).not.toEqual([]);
    expect(schemaProblems(ping?.example, pers?.schema ?? {}, schemas)).not.toEqual([]);
    expect(
      schemaProblems(0, declared503("GET /v1/admin/users").headers?.["Retry-After"]?.schema ?? {}, schemas),
    ).not.toEqual([]);
  });
});
