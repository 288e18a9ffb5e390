/**
 * Deliberately faulty stand-ins for Gatehouse's bindings, wrapped around the real local D1 and KV:
 * every call is recorded, and the calls a fault names fail (with an error worded as the real
 * binding words it) or stall (a promise that never settles). Nothing else is faked.
 */

/** One call that reached a binding. */
export interface BindingCall {
  /** `read` (a SELECT, a KV get or list) or `write` (anything else). */
  kind: "read" | "write";
  /** The SQL, a KV operation and key, or `batch of N`. */
  what: string;
  failed: boolean;
}

export interface Fault {
  /** Which calls fail: reads, writes, or both. */
  fail: "reads" | "writes" | "all";
  /**
   * Successful writes let through before the first failing one (the Nth-write fault); with it,
   * reads never fail.
   */
  afterWrites?: number;
  /** How the failure is worded; a transient D1 error by default. */
  message?: string;
  /** Never settle instead of failing. */
  stall?: boolean;
  /** Only the calls whose `what` starts with this fail (a KV operation and key: `get tenant-…`). */
  only?: string;
}

/** D1's own wording of a dropped connection: documented as retryable. */
export const D1_CONNECTION_LOST = "D1_ERROR: Network connection lost.";
export const D1_OVERLOADED = "D1_ERROR: D1 DB is overloaded. Requests queued for too long.";
export const KV_UNAVAILABLE = "KV operation failed: 503 Service Unavailable";

class FaultState {
  readonly calls: BindingCall[] = [];
  private writes = 0;

  constructor(private readonly fault: Fault) {}

  run<T>(kind: "read" | "write", what: string, call: () => Promise<T>): Promise<T> {
    const failing = (this.fault.only === undefined || what.startsWith(this.fault.only)) && this.fails(kind);
    this.calls.push({ kind, what, failed: failing });
    if (!failing) return call();
    if (this.fault.stall) return new Promise<T>(() => undefined);
    return Promise.reject(new Error(this.fault.message ?? D1_CONNECTION_LOST));
  }

  private fails(kind: "read" | "write"): boolean {
    const named = this.fault.fail === "all" || this.fault.fail === `${kind}s`;
    if (!named) return false;
    if (kind === "write" && this.fault.afterWrites !== undefined) {
      this.writes += 1;
      return this.writes > this.fault.afterWrites;
    }
    return this.fault.afterWrites === undefined;
  }
}

const isSelect = (sql: string) => /^\s*select\b/i.test(sql);

class FaultyStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    private readonly sql: string,
    private readonly state: FaultState,
  ) {}

  bind(...values: unknown[]): FaultyStatement {
    return new FaultyStatement(this.inner.bind(...values), this.sql, this.state);
  }

  private run_<T>(call: () => Promise<T>): Promise<T> {
    return this.state.run(isSelect(this.sql) ? "read" : "write", this.sql, call);
  }

  first(column?: string) {
    return this.run_(() => (column === undefined ? this.inner.first() : this.inner.first(column)));
  }
  run() {
    return this.run_(() => this.inner.run());
  }
  all() {
    return this.run_(() => this.inner.all());
  }
  raw(options?: { columnNames?: false }) {
    return this.run_(() => this.inner.raw(options));
  }

  get isSelect(): boolean {
    return isSelect(this.sql);
  }
}

export interface FaultyBinding<T> {
  binding: T;
  calls: BindingCall[];
  /** Calls that failed, of one kind. */
  failed(kind: "read" | "write"): BindingCall[];
}

function faultyQueryable(inner: Pick<D1Database, "prepare" | "batch">, state: FaultState) {
  return {
    prepare: (sql: string) => new FaultyStatement(inner.prepare(sql), sql, state) as unknown as D1PreparedStatement,
    batch: (statements: D1PreparedStatement[]) => {
      const faulty = statements as unknown as FaultyStatement[];
      const kind = faulty.every((statement) => statement.isSelect) ? "read" : "write";
      return state.run(kind, `batch of ${statements.length}`, () => inner.batch(faulty.map((s) => s.inner)));
    },
  };
}

function report<T>(binding: T, state: FaultState): FaultyBinding<T> {
  return {
    binding,
    calls: state.calls,
    failed: (kind) => state.calls.filter((call) => call.kind === kind && call.failed),
  };
}

/** The real D1 with `fault` injected; sessions from `withSession` share it. */
export function faultyD1(inner: D1Database, fault: Fault): FaultyBinding<D1Database> {
  const state = new FaultState(fault);
  const db = {
    ...faultyQueryable(inner, state),
    withSession: (constraint?: string) => {
      const session = inner.withSession(constraint);
      return { ...faultyQueryable(session, state), getBookmark: () => session.getBookmark() };
    },
  };
  return report(db as unknown as D1Database, state);
}

/** The real KV with `fault` injected (reads: get, getWithMetadata, list; writes: put, delete). */
export function faultyKv(inner: KVNamespace, fault: Fault): FaultyBinding<KVNamespace> {
  const state = new FaultState({ message: KV_UNAVAILABLE, ...fault });
  const call = (operation: "get" | "getWithMetadata" | "list" | "put" | "delete", kind: "read" | "write") => {
    const method = inner[operation] as unknown as (...args: unknown[]) => Promise<unknown>;
    return (...args: unknown[]) => state.run(kind, `${operation} ${String(args[0])}`, () => method.apply(inner, args));
  };
  const kv = {
    get: call("get", "read"),
    getWithMetadata: call("getWithMetadata", "read"),
    list: call("list", "read"),
    put: call("put", "write"),
    delete: call("delete", "write"),
  };
  return report(kv as unknown as KVNamespace, state);
}

/** A rate-limiting binding whose every call fails, as a binding does when its service is down. */
export function failingLimiter(): RateLimit {
  return { limit: () => Promise.reject(new Error("rate limiter unavailable")) };
}

/** A rate-limiting binding that never answers, counting the calls made to it. */
export function stallingLimiter(): RateLimit & { calls: number } {
  const limiter = {
    calls: 0,
    limit: () => {
      limiter.calls += 1;
      return new Promise<RateLimitOutcome>(() => undefined);
    },
  };
  return limiter;
}
