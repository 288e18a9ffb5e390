import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors";
import { matchRoute } from "../../src/gateway/match";
import { compilePathPattern, type PathPattern } from "../../src/gateway/path-pattern";
import { parseRouteTable } from "../../src/gateway/route-table";

function pattern(source: string): PathPattern {
  const compiled = compilePathPattern(source);
  if (typeof compiled === "string") throw new Error(compiled);
  return compiled;
}

describe("path patterns", () => {
  it("a trailing wildcard covers the prefix itself and everything below it, nothing beside it", () => {
    const { regex } = pattern("/v1/get/*");
    for (const path of ["/v1/get", "/v1/get/", "/v1/get/businesses", "/v1/get/a/b/c"])
      expect(regex.test(path)).toBe(true);
    for (const path of ["/v1/getter", "/v1/ge", "/v1", "/V1/get/x", "/x/v1/get"]) expect(regex.test(path)).toBe(false);
  });

  it("a parameter is exactly one non-empty segment", () => {
    const { regex } = pattern("/templates/:id/versions");
    expect(regex.test("/templates/42/versions")).toBe(true);
    expect(regex.test("/templates//versions")).toBe(false);
    expect(regex.test("/templates/4/2/versions")).toBe(false);
  });

  it("literals match the raw, percent-encoded path literally", () => {
    const { regex } = pattern("/files/a.b/%20x");
    expect(regex.test("/files/a.b/%20x")).toBe(true);
    expect(regex.test("/files/aXb/%20x")).toBe(false);
  });

  it("the root pattern matches only the root", () => {
    expect(pattern("/").regex.test("/")).toBe(true);
    expect(pattern("/").regex.test("/x")).toBe(false);
  });
});

describe("matching a request to a route", () => {
  const table = parseRouteTable({
    routes: [
      {
        name: "items",
        path: "/items/:id",
        methods: ["GET", "PUT"],
        credentials: ["public"],
        upstream: { url: "https://items.internal" },
      },
      {
        name: "items-preflight",
        path: "/items/:id",
        methods: ["OPTIONS"],
        credentials: ["public"],
        upstream: { url: "https://items.internal" },
      },
    ],
  });

  it("finds the route by path and method", () => {
    expect(matchRoute(table, "GET", "/items/7").name).toBe("items");
    expect(matchRoute(table, "OPTIONS", "/items/7").name).toBe("items-preflight");
  });

  it("answers 405 listing the methods the path does have", () => {
    try {
      matchRoute(table, "DELETE", "/items/7");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("method_not_allowed");
      expect((error as AppError).options.allow).toEqual(["GET", "PUT", "OPTIONS"]);
    }
  });

  it("answers 404 for a path no route covers", () => {
    expect(() => matchRoute(table, "GET", "/items")).toThrow(AppError);
    try {
      matchRoute(table, "GET", "/items");
    } catch (error) {
      expect((error as AppError).code).toBe("not_found");
    }
  });
});
