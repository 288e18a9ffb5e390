import { parse } from "hono/utils/cookie";
import { describe, expect, it } from "vitest";
import { presentedSessionCookie, SESSION_COOKIE } from "../../src/gateway/credentials";

const VALUE = "0d4f6a3e-8c1b-4a57-9e2f-3b6c7d8e9f01.AbCdEfGhIjKlMnOpQrStUv.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCde";

describe("the session cookie in a Cookie header", () => {
  const headers = [
    `${SESSION_COOKIE}=${VALUE}`,
    `theme=dark; ${SESSION_COOKIE}=${VALUE}; lang=en`,
    ` ${SESSION_COOKIE}="${VALUE}" `,
    `${SESSION_COOKIE}x=${VALUE}`,
    `theme=dark`,
    `${SESSION_COOKIE}=`,
    `${SESSION_COOKIE}=first; ${SESSION_COOKIE}=second`,
    `pad=${"p".repeat(2_000)}; ${SESSION_COOKIE}=${VALUE}`,
  ];

  it("is what Hono's cookie parser reads, the first time and every time after", () => {
    for (const header of headers) {
      const expected = parse(header, SESSION_COOKIE)[SESSION_COOKIE];
      expect(presentedSessionCookie(header)).toBe(expected);
      expect(presentedSessionCookie(header)).toBe(expected);
    }
    expect(presentedSessionCookie(`theme=dark; ${SESSION_COOKIE}=${VALUE}; lang=en`)).toBe(VALUE);
    expect(presentedSessionCookie(`${SESSION_COOKIE}x=${VALUE}`)).toBeUndefined();
  });

  it("is absent without a Cookie header", () => {
    expect(presentedSessionCookie(undefined)).toBeUndefined();
  });
});
