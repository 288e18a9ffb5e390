import { describe, expect, it } from "vitest";
import { send } from "../support/worker";

describe("the OpenAPI document", () => {
  it("documents the API-key, key-check and admin paths with their security schemes", async () => {
    const res = await send("/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json<{
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown> };
    }>();
    const expected: Record<string, string[]> = {
      "/v1/api-keys": ["get", "post"],
      "/v1/api-keys/{id}": ["get", "delete"],
      "/v1/api-keys/{id}/roll": ["post"],
      "/v1/auth/api-key": ["get"],
      "/v1/admin/businesses": ["get", "post"],
      "/v1/admin/businesses/{id}": ["patch"],
      "/v1/admin/users": ["get", "post"],
      "/v1/admin/users/{id}/disable": ["post"],
      "/v1/admin/api-keys": ["get"],
      "/v1/admin/api-keys/{id}": ["delete"],
      "/v1/admin/audit-events": ["get"],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(doc.paths[path] ?? {}).sort(), path).toEqual([...methods].sort());
    }
    expect(doc.components.securitySchemes).toMatchObject({
      apiKey: { type: "apiKey", in: "header", name: "X-Ping-Api-Key" },
    });
  });
});
