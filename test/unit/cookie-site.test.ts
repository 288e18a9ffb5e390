import { describe, expect, it } from "vitest";
import { cookieSiteAttributes } from "../../src/http/cookie-site";

const GATEWAY = "https://api.example.com/v1/auth/login";
const LAX = { sameSite: "Lax" };
const PARTITIONED = { sameSite: "None", partitioned: true };
/** `CORS_ALLOWED_ORIGINS`: every origin above but the unconfigured ones. */
const ALLOWED = [
  "https://api.example.com",
  "https://api.example.com:8443",
  "https://app.example.com",
  "https://dashboard.example.net",
  "http://api.example.com",
];

describe("the SameSite a cookie is set with", () => {
  it.each([
    ["no Origin (curl, a server)", undefined, LAX],
    ["an Origin that is no URL", "null", LAX],
    ["the gateway's own origin", "https://api.example.com", LAX],
    ["the gateway's host on another port", "https://api.example.com:8443", LAX],
    ["a sibling host of the same domain", "https://app.example.com", PARTITIONED],
    ["another site", "https://dashboard.example.net", PARTITIONED],
    ["the gateway's host over plain http (another site, scheme and all)", "http://api.example.com", PARTITIONED],
    ["a site that is not configured", "https://evil.example", LAX],
    ["a configured site's sibling", "https://evil.example.net", LAX],
  ])("%s: %o", (_case, origin, expected) => {
    expect(cookieSiteAttributes(origin, GATEWAY, ALLOWED)).toEqual(expected);
  });
});
