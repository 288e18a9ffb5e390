import { describe, expect, it } from "vitest";
import { send } from "../support/worker";

describe("the OpenAPI document", () => {
  it("describes the PingPage cookie routes and the session cookie", async () => {
    const res = await send("/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json<{
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown> };
    }>();
    expect(Object.keys(doc.paths["/v1/auth/register"] ?? {})).toEqual(["post"]);
    expect(Object.keys(doc.paths["/v1/me"] ?? {})).toEqual(["get"]);
    expect(Object.keys(doc.paths["/v1/me/sessions"] ?? {}).sort()).toEqual(["delete", "get"]);
    expect(Object.keys(doc.paths["/v1/me/sessions/{id}"] ?? {})).toEqual(["delete"]);
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({
      type: "apiKey",
      in: "cookie",
      name: "session_token",
    });
  });
});
