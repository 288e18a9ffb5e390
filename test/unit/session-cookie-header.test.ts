import { parse } from "hono/utils/cookie";
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE_NAME, sessionCookieOf } from "../../src/http/session-cookie";

const VALUE = "0d4f6a3e-8c1b-4a57-9e2f-3b6c7d8e9f01.AbCdEfGhIjKlMnOpQrStUv.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCde";

describe("the session cookie in a Cookie header", () => {
  const headers = [
    `${SESSION_COOKIE_NAME}=${VALUE}`,
    `theme=dark; ${SESSION_COOKIE_NAME}=${VALUE}; lang=en`,
    ` ${SESSION_COOKIE_NAME}="${VALUE}" `,
    `${SESSION_COOKIE_NAME}x=${VALUE}`,
    `theme=dark`,
    `${SESSION_COOKIE_NAME}=`,
    `${SESSION_COOKIE_NAME}=first; ${SESSION_COOKIE_NAME}=second`,
    `pad=${"p".repeat(2_000)}; ${SESSION_COOKIE_NAME}=${VALUE}`,
  ];

  it("is what Hono's cookie parser reads, the first time and every time after", () => {
    for (const header of headers) {
      const expected = parse(header, SESSION_COOKIE_NAME)[SESSION_COOKIE_NAME];
      expect(sessionCookieOf(header)).toBe(expected);
      expect(sessionCookieOf(header)).toBe(expected);
    }
    expect(sessionCookieOf(`theme=dark; ${SESSION_COOKIE_NAME}=${VALUE}; lang=en`)).toBe(VALUE);
    expect(sessionCookieOf(`${SESSION_COOKIE_NAME}x=${VALUE}`)).toBeUndefined();
  });

  it("is absent without a Cookie header", () => {
    expect(sessionCookieOf(undefined)).toBeUndefined();
  });
});
