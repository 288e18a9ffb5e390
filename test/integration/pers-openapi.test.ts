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
});
