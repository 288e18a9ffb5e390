import { describe, expect, it } from "vitest";
import { type CrossSiteRequest, judgeCrossSiteRequest } from "../../src/services/auth/cross-site";

const OWN = "https://gatehouse.test";
const DASHBOARD = "https://dashboard.example.com";

function judge(overrides: Partial<CrossSiteRequest>) {
  return judgeCrossSiteRequest({
    method: "POST",
    secFetchSite: undefined,
    origin: undefined,
    ownOrigin: OWN,
    allowedOrigins: [DASHBOARD],
    ...overrides,
  }).allowed;
}

describe("which cookie-authenticated requests may change state", () => {
  it("a browser on our own origin may", () => {
    expect(judge({ secFetchSite: "same-origin", origin: OWN })).toBe(true);
    expect(judge({ origin: OWN })).toBe(true);
  });

  it("a user-initiated request (typed URL, bookmark) may", () => {
    expect(judge({ secFetchSite: "none" })).toBe(true);
  });

  it("another site may not, whatever it claims in Origin", () => {
    expect(judge({ secFetchSite: "cross-site", origin: "https://evil.example" })).toBe(false);
    expect(judge({ secFetchSite: "cross-site", origin: OWN })).toBe(false);
    expect(judge({ secFetchSite: "cross-site" })).toBe(false);
  });

  it("a sibling subdomain (same-site) may not unless allowed", () => {
    expect(judge({ secFetchSite: "same-site", origin: "https://other.gatehouse.test" })).toBe(false);
  });

  it("an unknown Sec-Fetch-Site value fails closed", () => {
    expect(judge({ secFetchSite: "sideways", origin: OWN })).toBe(false);
  });

  it("without Fetch Metadata, a foreign or opaque Origin may not", () => {
    expect(judge({ origin: "https://evil.example" })).toBe(false);
    expect(judge({ origin: "null" })).toBe(false);
    expect(judge({ origin: "http://gatehouse.test" })).toBe(false);
  });

  it("an allowed dashboard origin may, cross-site or not", () => {
    expect(judge({ secFetchSite: "cross-site", origin: DASHBOARD })).toBe(true);
    expect(judge({ secFetchSite: "same-site", origin: DASHBOARD })).toBe(true);
    expect(judge({ origin: DASHBOARD })).toBe(true);
  });

  it("a client that is not a browser (no Origin, no Fetch Metadata) may", () => {
    expect(judge({})).toBe(true);
  });

  it("safe methods are never refused", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      expect(judge({ method, secFetchSite: "cross-site", origin: "https://evil.example" })).toBe(true);
    }
  });

  it("every state-changing method is checked", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "delete"]) {
      expect(judge({ method, secFetchSite: "cross-site", origin: "https://evil.example" })).toBe(false);
    }
  });
});
