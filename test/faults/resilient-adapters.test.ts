import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AppError } from "../../src/errors";
import { toAppError } from "../../src/http/errors";
import { openDatabase } from "../../src/storage/db";
import { DEFAULT_CALL_POLICY } from "../../src/storage/resilient-call";
import { classifyD1Failure, resilientD1 } from "../../src/storage/resilient-d1";
import { resilientKv } from "../../src/storage/resilient-kv";
import { insertUserIfEmailFree } from "../../src/storage/users";
import { createUser } from "../support/accounts";
import { D1_CONNECTION_LOST, D1_OVERLOADED, faultyD1, faultyKv } from "./faulty-bindings";

/** The adapters on their own: which failures become 503s, how often each call is attempted. */

/** No waiting between retries, so these tests need no clock. */
const NO_WAIT = { ...DEFAULT_CALL_POLICY, retryDelaysMs: [0, 0] };

async function unavailableOf(work: Promise<unknown>): Promise<AppError> {
  const error = toAppError(
    await work.then(
      () => undefined,
      (err: unknown) => err,
    ),
  );
  expect(error.code).toBe("service_unavailable");
  return error;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("classifying D1's failures", () => {
  it.each([
    ["D1_ERROR: Network connection lost.", "transient"],
    ["D1_ERROR: Internal error while starting up D1 DB storage caused object to be reset.", "transient"],
    ["D1_ERROR: D1 DB reset because its code was updated.", "transient"],
    ["D1_ERROR: internal error", "transient"],
    [D1_OVERLOADED, "unavailable"],
    ["D1_ERROR: no such table: users: SQLITE_ERROR", "unavailable"],
    ["D1_ERROR: UNIQUE constraint failed: users.email_normalized: SQLITE_CONSTRAINT", "refused"],
    ['D1_ERROR: near "SELEC": syntax error at offset 0: SQLITE_ERROR', "refused"],
    ["D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'", "refused"],
  ])("%s → %s", (message, kind) => {
    expect(classifyD1Failure(new Error(message))).toBe(kind);
  });
});

describe("the D1 adapter", () => {
  it("retries a failing SELECT twice, then is a 503 naming D1", async () => {
    const d1 = faultyD1(env.DB, { fail: "reads" });
    const db = resilientD1(d1.binding, NO_WAIT);
    const error = await unavailableOf(db.prepare("SELECT 1 AS one").first());
    expect(error.options.dependency).toBe("d1");
    expect(error.status).toBe(503);
    expect(error.options.retryAfterSeconds).toBeGreaterThan(0);
    expect(d1.calls).toHaveLength(3);
  });

  it("a read that fails once and then succeeds answers normally", async () => {
    let failures = 1;
    const real = env.DB;
    const flaky = {
      prepare: (sql: string) => {
        const statement = real.prepare(sql);
        return {
          first: () => (failures-- > 0 ? Promise.reject(new Error(D1_CONNECTION_LOST)) : statement.first()),
        } as unknown as D1PreparedStatement;
      },
      batch: real.batch.bind(real),
    };
    expect(await resilientD1(flaky, NO_WAIT).prepare("SELECT 1 AS one").first()).toEqual({ one: 1 });
  });

  it("never retries a write, not even an INSERT … RETURNING read back through raw()", async () => {
    const d1 = faultyD1(env.DB, { fail: "writes" });
    const db = openDatabase(d1.binding);
    await unavailableOf(
      insertUserIfEmailFree(db, {
        publicId: crypto.randomUUID(),
        userType: "user",
        email: "never@example.com",
        emailNormalized: `never-${crypto.randomUUID()}@example.com`,
        firstName: "Never",
        lastName: "Written",
        displayName: "Never Written",
        phoneNumber: null,
        passwordHash: "not a hash",
        now: new Date(),
      }),
    );
    expect(d1.calls).toEqual([expect.objectContaining({ kind: "write", failed: true })]);
  });

  it("a batch holding a write is attempted once; a batch of reads is retried", async () => {
    const writes = faultyD1(env.DB, { fail: "all" });
    const writing = resilientD1(writes.binding, NO_WAIT);
    await unavailableOf(writing.batch([writing.prepare("SELECT 1"), writing.prepare("DELETE FROM users WHERE 0")]));
    expect(writes.calls).toHaveLength(1);

    const reads = faultyD1(env.DB, { fail: "all" });
    const reading = resilientD1(reads.binding, NO_WAIT);
    await unavailableOf(reading.batch([reading.prepare("SELECT 1"), reading.prepare("SELECT 2")]));
    expect(reads.calls).toHaveLength(3);
  });

  it("passes a refused statement through untouched: the UNIQUE violation registration relies on", async () => {
    const user = await createUser();
    const db = resilientD1(env.DB, NO_WAIT);
    // The same row again: its primary key and email are taken.
    const insert = db.prepare("INSERT INTO users SELECT * FROM users WHERE id = ?").bind(user.id).run();
    const err = await insert.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).not.toBeInstanceOf(AppError);
    expect(String(err)).toMatch(/constraint failed|SQLITE_CONSTRAINT/i);
  });

  it("composes with a Sessions API session (anything with prepare and batch)", async () => {
    const d1 = faultyD1(env.DB, { fail: "reads" });
    const session = d1.binding.withSession("first-unconstrained");
    await unavailableOf(resilientD1(session, NO_WAIT).prepare("SELECT 1").first());
    expect(d1.calls).toHaveLength(3);
    expect(await resilientD1(env.DB.withSession(), NO_WAIT).prepare("SELECT 1 AS one").first()).toEqual({ one: 1 });
  });

  it("gives up on a call that stalls past its deadline: a 503, not a hung request", async () => {
    vi.useFakeTimers();
    const d1 = faultyD1(env.DB, { fail: "reads", stall: true });
    const db = resilientD1(d1.binding, { retryDelaysMs: [], deadlineMs: 10_000 });
    const pending = db
      .prepare("SELECT 1")
      .first()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    await vi.advanceTimersByTimeAsync(9_999);
    expect(d1.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const error = toAppError(await pending);
    expect(error.code).toBe("service_unavailable");
    expect(error.options.detail).toContain("no answer within 10000 ms");
  });
});

describe("the KV adapter", () => {
  it("retries a failing get twice and a failing put never", async () => {
    const kv = faultyKv(env.KV, { fail: "all" });
    const adapter = resilientKv(kv.binding, NO_WAIT);
    const error = await unavailableOf(adapter.get("fault:probe"));
    expect(error.options.dependency).toBe("kv");
    expect(kv.calls).toHaveLength(3);
    await unavailableOf(adapter.put("fault:probe", "x"));
    expect(kv.calls).toHaveLength(4);
  });

  it("passes KV's own refusal of a call (a 4xx other than 429) through as it is", async () => {
    const refusing = {
      get: () => Promise.reject(new Error("KV GET failed: 414 UTF-8 encoded length exceeds key length limit")),
    } as unknown as KVNamespace;
    const err = await resilientKv(refusing, NO_WAIT)
      .get("k")
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).not.toBeInstanceOf(AppError);
  });

  it("is one adapter per binding: building deps per request allocates nothing new", () => {
    expect(resilientKv(env.KV)).toBe(resilientKv(env.KV));
  });
});
