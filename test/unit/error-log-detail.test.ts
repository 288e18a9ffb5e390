import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { toAppError } from "../../src/http/errors";
import { openDatabase } from "../../src/storage/db";

/** A 500's log detail names the failed statement and its cause, never the query's parameters. */
describe("the detail a 500 logs", () => {
  it("keeps drizzle's statement and cause and drops its parameters", async () => {
    const secret = "hash-that-must-not-be-logged";
    const failure = await openDatabase(env.DB)
      .run(sql`SELECT * FROM users WHERE no_column_of_ours = ${secret}`)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(Error);
    // The raw error does carry the parameter: what the renderer logs must not.
    expect((failure as Error).message).toContain(secret);

    // A refused statement (not an outage) is a 500, logged with this detail.
    const logged = toAppError(failure);
    expect(logged.code).toBe("internal_error");
    const detail = String(logged.options.detail);
    expect(detail).not.toContain(secret);
    expect(detail).toContain("no_column_of_ours");
    expect(detail).toContain("cause:");
  });

  it("keeps a plain error's name and message", () => {
    expect(toAppError(new TypeError("x is not a function")).options.detail).toBe("TypeError: x is not a function");
  });
});
