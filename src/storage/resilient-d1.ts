import { type CallPolicy, callDependency, DEFAULT_CALL_POLICY, type FailureKind } from "./resilient-call";

/**
 * D1 behind a small adapter that tells an outage from a refused statement (docs/resilience.md).
 *
 * It accepts anything with `prepare` and `batch`, a `D1Database` or a Sessions API session
 * (`env.DB.withSession(…)`), and is itself one, so the two compose. It costs nothing until a
 * query runs: a warm gateway forward never prepares a statement.
 */
export type D1Queryable = Pick<D1Database, "prepare" | "batch">;

/**
 * D1 documents these as transient (developers.cloudflare.com/d1/best-practices/retry-queries).
 * "D1 DB is overloaded" is deliberately not among them: retrying adds load to a database that
 * is shedding it. D1 already retries read-only queries itself up to twice; ours add a short
 * second chance for the hop between the Worker and D1, which D1's own retries cannot cover.
 */
const TRANSIENT = [
  "network connection lost",
  "storage caused object to be reset",
  "reset because its code was updated",
  "internal error",
];

/**
 * The statement itself was refused: a constraint (UNIQUE decides registration races), a type or
 * syntax error. Services and tests rely on these reaching them as they are.
 */
const REFUSED =
  /SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)|constraint failed|syntax error|no such column|D1_TYPE_ERROR|D1_COLUMN_NOTFOUND/i;

/** Everything else D1 throws (overloaded, a missing table, an I/O error) is an outage. */
export function classifyD1Failure(err: unknown): FailureKind {
  const text = err instanceof Error ? `${err.message} ${String(err.cause ?? "")}` : String(err);
  if (REFUSED.test(text)) return "refused";
  const lower = text.toLowerCase();
  return TRANSIENT.some((message) => lower.includes(message)) ? "transient" : "unavailable";
}

/** Only a plain SELECT is known to write nothing; anything else (RETURNING included) is a write. */
function isRead(sql: string): boolean {
  return /^\s*select\b/i.test(sql);
}

class ResilientStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    readonly isRead: boolean,
    private readonly policy: CallPolicy,
  ) {}

  bind(...values: unknown[]): ResilientStatement {
    return new ResilientStatement(this.inner.bind(...values), this.isRead, this.policy);
  }

  private call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return callDependency(run, {
      dependency: "d1",
      operation: `d1 ${this.isRead ? "read" : "write"} ${operation}`,
      idempotent: this.isRead,
      classify: classifyD1Failure,
      policy: this.policy,
    });
  }

  first(column?: string): Promise<unknown> {
    return this.call("first", () => (column === undefined ? this.inner.first() : this.inner.first(column)));
  }

  run(): Promise<D1Result> {
    return this.call("run", () => this.inner.run());
  }

  all(): Promise<D1Result> {
    return this.call("all", () => this.inner.all());
  }

  raw(options?: { columnNames?: boolean }): Promise<unknown[]> {
    return this.call("raw", () => this.inner.raw(options as { columnNames?: false }));
  }
}

function innerOf(statement: D1PreparedStatement): D1PreparedStatement {
  return statement instanceof ResilientStatement ? statement.inner : statement;
}

class ResilientD1 {
  constructor(
    private readonly inner: D1Queryable,
    private readonly policy: CallPolicy,
  ) {}

  prepare(sql: string): D1PreparedStatement {
    const statement = new ResilientStatement(this.inner.prepare(sql), isRead(sql), this.policy);
    return statement as unknown as D1PreparedStatement;
  }

  /** One transaction: retried only when every statement in it is a read. */
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    const readOnly = statements.every((statement) => statement instanceof ResilientStatement && statement.isRead);
    return callDependency(() => this.inner.batch<T>(statements.map(innerOf)), {
      dependency: "d1",
      operation: `d1 batch of ${statements.length}${readOnly ? " reads" : ""}`,
      idempotent: readOnly,
      classify: classifyD1Failure,
      policy: this.policy,
    });
  }
}

/** D1 (or a D1 session) with outages typed as `service_unavailable` and reads retried. */
export function resilientD1(inner: D1Queryable, policy: CallPolicy = DEFAULT_CALL_POLICY): D1Queryable {
  return new ResilientD1(inner, policy) as unknown as D1Queryable;
}
