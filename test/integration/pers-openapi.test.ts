import { describe, expect, it } from "vitest";
import { send } from "../support/worker";

describe("OpenAPI document", () => {
  it("documents the PERS routes and the identity admin API", async () => {
    const res = await send("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v2/auth/token",
        "/v2/auth/refresh",
        "/v2/auth/verify",
        "/v1/admin/tenants/{tenantId}/settings",
        "/v1/admin/tenants/{tenantId}/identity-providers",
        "/v1/admin/tenants/{tenantId}/identity-providers/{providerId}",
      ]),
    );
    expect(Object.keys(doc.paths["/v1/admin/tenants/{tenantId}/identity-providers/{providerId}"] ?? {}).sort()).toEqual(
      ["delete", "put"],
    );
    const settings = doc.paths["/v1/admin/tenants/{tenantId}/settings"] as Record<string, { description?: string }>;
    expect(Object.keys(settings).sort()).toEqual(["get", "patch", "put"]);
    expect(settings.put?.description).toContain("each one is required");
  });

  it("lists the answers every route may give before its own checks, in the route's dialect", async () => {
    type Operation = { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> };
    const doc = (await (await send("/openapi.json")).json()) as { paths: Record<string, Record<string, Operation>> };
    const operation = (path: string, method: string) => doc.paths[path]?.[method]?.responses ?? {};
    for (const path of ["/v2/auth/token", "/v2/auth/refresh", "/v2/auth/verify"]) {
      const responses = operation(path, "post");
      expect(Object.keys(responses), path).toEqual(expect.arrayContaining(["413", "431"]));
      expect(responses["413"]?.content?.["application/json"]?.schema?.$ref, path).toMatch(/PersError$/);
    }
    expect(Object.keys(operation("/v1/api-keys", "get"))).toContain("431");
    expect(Object.keys(operation("/v1/api-keys", "get"))).not.toContain("413");
    expect(Object.keys(operation("/v1/auth/register", "post"))).not.toContain("413");
    expect(operation("/v1/auth/login", "post")["413"]?.content?.["application/json"]?.schema?.$ref).toMatch(
      /PingError$/,
    );
  });
});
