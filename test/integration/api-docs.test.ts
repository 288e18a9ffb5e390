import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { GATEWAY_ROUTE_EXTENSION } from "../../src/gateway/openapi-document";
import { send } from "../support/worker";

interface Operation {
  security?: Record<string, string[]>[];
  responses?: Record<string, { content?: unknown }>;
  [GATEWAY_ROUTE_EXTENSION]?: string;
}
interface Document {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }> };
}

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);

async function openApiDocument(): Promise<Document> {
  const res = await send("/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Document;
}

function operationsOf(document: Document): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]),
  );
}

describe("/openapi.json is complete", () => {
  it("names the server it answers on (ISSUER)", async () => {
    const document = await openApiDocument();
    expect(document.servers).toEqual([expect.objectContaining({ url: env.ISSUER })]);
  });

  it("declares every security scheme a client needs, User-Type included", async () => {
    const { components } = await openApiDocument();
    expect(components.securitySchemes).toMatchObject({
      bearer: { type: "http", scheme: "bearer" },
      userType: { type: "apiKey", in: "header", name: "User-Type" },
      apiKey: { type: "apiKey", in: "header", name: "X-Ping-Api-Key" },
      sessionCookie: { type: "apiKey", in: "cookie", name: "session_token" },
      projectKey: { type: "apiKey", in: "header", name: "X-API-Key" },
      persBearer: { type: "http", scheme: "bearer" },
    });
  });

  it("pairs every bearer requirement with User-Type, and uses only declared schemes", async () => {
    const document = await openApiDocument();
    const declared = new Set(Object.keys(document.components.securitySchemes));
    for (const [key, operation] of operationsOf(document)) {
      for (const requirement of operation.security ?? []) {
        for (const scheme of Object.keys(requirement)) expect(declared, `${key}: ${scheme}`).toContain(scheme);
        if ("bearer" in requirement) expect(requirement, key).toHaveProperty("userType");
      }
    }
  });

  it("describes an error body for every secured operation's 401", async () => {
    for (const [key, operation] of operationsOf(await openApiDocument())) {
      if ((operation.security ?? []).length === 0) continue;
      expect(operation.responses?.["401"]?.content, key).toBeDefined();
    }
  });

  it("lists the configured gateway routes as such, with their credentials", async () => {
    const { paths } = await openApiDocument();
    expect(paths["/v1/get/{path}"]?.get).toMatchObject({
      [GATEWAY_ROUTE_EXTENSION]: "get",
      security: [{ bearer: [], userType: [] }],
    });
    expect(paths["/v1/notification/api/sms/{path}"]?.post).toMatchObject({
      [GATEWAY_ROUTE_EXTENSION]: "sms",
      security: [{ apiKey: [] }],
    });
    expect(paths["/v1/get/{path}"]?.delete).toBeUndefined();
    // Gatehouse's own routes are not gateway routes.
    expect(paths["/v1/auth/login"]?.post?.[GATEWAY_ROUTE_EXTENSION]).toBeUndefined();
  });
});

describe("/docs, the API reference page", () => {
  it("is a page that loads only files of this origin, under a policy allowing nothing else", async () => {
    const res = await send("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const policy = res.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain("unsafe-inline");
    const page = await res.text();
    const references = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(references.length).toBeGreaterThan(2);
    // Every file from this origin; the icon is an empty data: URL, so the browser asks for none.
    for (const reference of references) expect(reference).toMatch(/^(\/(?!\/)|data:,$)/);
    expect(page).not.toMatch(/<script>(?!<)/);
  });

  it("serves Swagger UI's files from the Worker's assets", async () => {
    const script = await send("/docs/assets/swagger-ui-bundle.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(await script.text()).toContain("SwaggerUIBundle");
    const style = await send("/docs/assets/swagger-ui.css");
    expect(style.status).toBe(200);
    expect(style.headers.get("content-type")).toContain("text/css");
  });

  it("turns off Swagger UI's outside validator in its start script", async () => {
    const res = await send("/docs/init.js");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("validatorUrl: null");
  });

  it.each(["/docs/assets/package.json", "/docs/assets/index.html", "/docs/assets/swagger-ui-bundle.js.map"])(
    "serves no other file of the package: %s",
    async (path) => {
      const res = await send(path);
      expect(res.status).toBe(404);
    },
  );

  it("refuses a path that climbs out of the assets", async () => {
    const res = await send("/docs/assets/..%2Fpackage.json");
    expect(res.status).toBe(400);
  });
});
