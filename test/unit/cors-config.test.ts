import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/env";

function configWithOrigins(list: string | undefined) {
  // A fresh object: readConfig caches per bindings object.
  return readConfig({ ...env, CORS_ALLOWED_ORIGINS: list });
}

describe("CORS_ALLOWED_ORIGINS", () => {
  it("is empty when unset or blank", () => {
    expect(configWithOrigins(undefined).corsAllowedOrigins).toEqual([]);
    expect(configWithOrigins(" , ").corsAllowedOrigins).toEqual([]);
  });

  it("reads a comma-separated list of exact origins", () => {
    expect(configWithOrigins("https://app.example.com, http://localhost:3000").corsAllowedOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:3000",
    ]);
  });

  it.each([
    "*",
    "https://*.example.com",
    "https://app.example.com/",
    "https://app.example.com/path",
    "app.example.com",
  ])("refuses %s, which is not an exact origin", (origin) => {
    expect(() => configWithOrigins(origin)).toThrow(/^Invalid Gatehouse configuration: CORS_ALLOWED_ORIGINS: /);
  });
});

describe("PERS_CORS_ALLOWED_ORIGINS", () => {
  const persOrigins = (list: string | undefined) => readConfig({ ...env, PERS_CORS_ALLOWED_ORIGINS: list });

  it("reads a comma-separated list of exact origins, empty when unset", () => {
    expect(persOrigins(undefined).persCorsAllowedOrigins).toEqual([]);
    expect(persOrigins("https://app.example.com ,http://localhost:5173").persCorsAllowedOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
  });

  it.each(["*", "https://*.example.com", "https://app.example.com/", "null"])("refuses %s", (origin) => {
    expect(() => persOrigins(origin)).toThrow(/PERS_CORS_ALLOWED_ORIGINS/);
  });
});
