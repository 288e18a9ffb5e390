import { OpenAPIHono, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";

/**
 * The Worker runs zod-to-openapi without its generators (`src/lean-openapi`, aliased as the bundle
 * aliases it): the routes still register with their schemas' metadata, and the document comes
 * from the static assets, generated at build time.
 */
describe("the OpenAPI library the Worker runs", () => {
  it("registers routes and schema metadata, as the routes need", () => {
    const app = new OpenAPIHono();
    const Body = z.object({ name: z.string().openapi({ example: "Ada" }) }).openapi("Body");
    app.openapi(
      {
        method: "post",
        path: "/things",
        request: { body: { content: { "application/json": { schema: Body } } } },
        responses: { 204: { description: "Done" } },
      },
      (c) => c.body(null, 204),
    );
    expect(app.openAPIRegistry.definitions.map((definition) => definition.type)).toEqual(["route"]);
  });

  it("has no generator: a document can only come from the build", () => {
    const app = new OpenAPIHono();
    expect(() => app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "x", version: "1" } })).toThrow(
      /generated at build time/,
    );
  });
});
