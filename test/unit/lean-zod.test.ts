import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import * as surface from "../../src/lean-zod/surface";

describe("the zod the Worker runs", () => {
  it("is the lean surface, for the routes' library as for our own code", () => {
    expect(Object.keys(z).sort()).toEqual(Object.keys(surface).sort());
    expect("locales" in z).toBe(false);
  });

  it("still answers in English", () => {
    const result = z.object({ name: z.string() }).safeParse({});
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("Invalid input: expected string, received undefined");
  });
});
