import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors";
import type { Dialect } from "../../src/http/context";
import { renderError } from "../../src/http/errors";

const challengeOf = (dialect: Dialect, error: AppError) => renderError(dialect, error).headers.get("WWW-Authenticate");

describe("the challenge of a refusal", () => {
  it.each([
    ["pers", new AppError("missing_project_key"), 'ApiKey realm="gatehouse"'],
    ["pers", new AppError("invalid_project_key"), 'ApiKey realm="gatehouse", error="invalid_token"'],
    // A body token refused beside a good project key: the key is the credential, and it was fine.
    ["pers", new AppError("invalid_token"), 'ApiKey realm="gatehouse"'],
    ["ping", new AppError("invalid_token"), 'Bearer realm="gatehouse", error="invalid_token"'],
    ["ping", new AppError("invalid_credentials"), 'Bearer realm="gatehouse"'],
    ["pingpage", new AppError("invalid_credentials"), 'Session realm="gatehouse"'],
    [
      "gateway",
      new AppError("invalid_api_key", { challenge: "api_key" }),
      'ApiKey realm="gatehouse", error="invalid_token"',
    ],
    ["ping", new AppError("missing_credentials", { challenge: "bearer" }), 'Bearer realm="gatehouse"'],
  ] as const)("a %s 401 (%s) carries %s", (dialect, error, expected) => {
    expect(challengeOf(dialect, error)).toBe(expected);
  });

  it("a 403 carries one only when it answers a credential, and other statuses none", () => {
    expect(challengeOf("gateway", new AppError("insufficient_permission", { challenge: "api_key" }))).toBe(
      'ApiKey realm="gatehouse", error="insufficient_scope"',
    );
    expect(challengeOf("pers", new AppError("user_disabled"))).toBeNull();
    expect(challengeOf("ping", new AppError("invalid_request"))).toBeNull();
    expect(challengeOf("pers", new AppError("service_unavailable"))).toBeNull();
  });
});
