import { describe, expect, it } from "vitest";
import { countUsersWithEmail, uniqueEmail } from "../support/accounts";
import { sessionSetCookie } from "../support/cookies";
import { send, sendJson } from "../support/worker";

/** Registration refused: a plain-text 400 with this message, no cookie, and no account created. */
async function expectRefused(res: Response, email: string, message: string, status = 400) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  expect(await res.text()).toBe(message);
  expect(sessionSetCookie(res)).toBeUndefined();
  expect(await countUsersWithEmail(email)).toBe(0);
}

describe("registering with bad input creates nothing", () => {
  const good = () => ({ email: uniqueEmail("bad"), password: "secure_password", name: "John Doe" });

  it.each([
    ["email", "email is required"],
    ["password", "password is required"],
    ["name", "name is required"],
  ] as const)("a missing %s is named", async (field, message) => {
    const body: Partial<ReturnType<typeof good>> = good();
    const email = body.email ?? "";
    delete body[field];
    await expectRefused(await sendJson("/v1/auth/register", "POST", body), email, message);
  });

  it("a field of the wrong type is named", async () => {
    const body = { ...good(), password: 12345678 };
    await expectRefused(await sendJson("/v1/auth/register", "POST", body), body.email, "password must be a string");
  });

  it.each(["not-an-email", "two@@example.com", "no-domain@", "@example.com", "spaces in@example.com"])(
    "an invalid email (%s) is refused",
    async (email) => {
      const res = await sendJson("/v1/auth/register", "POST", { ...good(), email });
      await expectRefused(res, email, "email must be a valid email address");
    },
  );

  it("an email longer than 254 characters is refused", async () => {
    const email = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.com`;
    expect(email.length).toBeGreaterThan(254);
    const res = await sendJson("/v1/auth/register", "POST", { ...good(), email });
    await expectRefused(res, email, "email must be at most 254 characters");
  });

  it("a password shorter than 8 characters is refused", async () => {
    const body = { ...good(), password: "1234567" };
    await expectRefused(
      await sendJson("/v1/auth/register", "POST", body),
      body.email,
      "password must be at least 8 characters",
    );
  });

  it("a password longer than 128 characters is refused", async () => {
    const body = { ...good(), password: "p".repeat(129) };
    await expectRefused(
      await sendJson("/v1/auth/register", "POST", body),
      body.email,
      "password must be at most 128 characters",
    );
  });

  it("passwords of exactly 8 and 128 characters are accepted", async () => {
    for (const password of ["12345678", "p".repeat(128)]) {
      const res = await sendJson("/v1/auth/register", "POST", { ...good(), password });
      expect(res.status).toBe(201);
    }
  });

  it("an empty, blank, over-long or control-character name is refused", async () => {
    const cases = [
      ["", "name must not be empty"],
      ["   ", "name must not be empty"],
      ["n".repeat(101), "name must be at most 100 characters"],
      ["John\u0000Doe", "name must not contain control or bidirectional-override characters"],
      ["\u202eeoD nhoJ", "name must not contain control or bidirectional-override characters"],
      ["John\u2066Doe", "name must not contain control or bidirectional-override characters"],
    ] as const;
    for (const [name, message] of cases) {
      const body = { ...good(), name };
      await expectRefused(await sendJson("/v1/auth/register", "POST", body), body.email, message);
    }
  });

  it("a body over the size limit is refused before it is read", async () => {
    const body = { ...good(), name: "x".repeat(20_000) };
    await expectRefused(
      await sendJson("/v1/auth/register", "POST", body),
      body.email,
      "The request body is too large.",
    );
  });

  it("a body that is not JSON-typed is refused", async () => {
    const body = good();
    const res = await send("/v1/auth/register", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(body).toString(),
    });
    // PingPage's contract knows 400 for bad input; the message says what was wrong.
    await expectRefused(res, body.email, "Content-Type must be application/json.", 400);
  });

  it("malformed JSON is refused", async () => {
    const { email } = good();
    const res = await sendJson("/v1/auth/register", "POST", `{"email":"${email}","password":"secure_password",`);
    await expectRefused(res, email, "The request body is not valid JSON.");
  });

  it("a JSON array instead of an object is refused", async () => {
    const body = good();
    await expectRefused(
      await sendJson("/v1/auth/register", "POST", JSON.stringify([body])),
      body.email,
      "The request body must be a JSON object.",
    );
  });
});

describe("cookie login with bad input", () => {
  it("answers in plain text with a 4xx and no cookie", async () => {
    const cases: Array<[RequestInit, string, number]> = [
      [{ headers: { "Content-Type": "application/json" }, body: "{" }, "The request body is not valid JSON.", 400],
      [{ headers: { "Content-Type": "text/plain" }, body: "{}" }, "Content-Type must be application/json.", 400],
      [
        { headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: "x" }) },
        "Invalid password: is required",
        400,
      ],
      [
        { headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: "x", password: "" }) },
        "Invalid password: must not be empty",
        400,
      ],
      [
        { headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: 7, password: "p" }) },
        "Invalid email: must be a string",
        400,
      ],
    ];
    for (const [init, message, status] of cases) {
      const res = await send("/v1/auth/login", { method: "POST", ...init });
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(message);
      expect(sessionSetCookie(res)).toBeUndefined();
    }
  });
});
