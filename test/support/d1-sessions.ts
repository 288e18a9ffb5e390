import { env } from "cloudflare:workers";

/** The real local D1 binding, recording how it is used: every session started, every direct query. */
export interface RecordedD1 {
  binding: D1Database;
  /** What each `withSession` call was started from, in order. */
  starts: string[];
  /** Queries sent on the binding itself, outside any session. */
  directQueries: number;
  /** Every query prepared in a session, with what that session was started from. */
  queries: { start: string; sql: string }[];
}

/** Whether a recorded query read the table named (drizzle quotes table names). */
export function readsTable(query: { sql: string }, table: string): boolean {
  return query.sql.startsWith("select") && query.sql.includes(`from "${table}"`);
}

/**
 * A statement as a replica that has not yet received the latest writes answers it: reads find
 * nothing. Local D1 has no replicas, so lag is injected here; writes still reach the real D1.
 */
function laggingStatement(real: D1PreparedStatement): D1PreparedStatement {
  const empty = { results: [], success: true, meta: {} } as unknown as D1Result;
  const statement = {
    bind: (...values: unknown[]) => laggingStatement(real.bind(...values)),
    first: async () => null,
    all: async () => empty,
    raw: async () => [],
    run: () => real.run(),
  };
  return statement as unknown as D1PreparedStatement;
}

function recordingSession(real: D1DatabaseSession, start: string, recorded: RecordedD1): D1DatabaseSession {
  return {
    prepare: (query: string) => {
      recorded.queries.push({ start, sql: query });
      return real.prepare(query);
    },
    batch: (statements: D1PreparedStatement[]) => real.batch(statements),
    getBookmark: () => real.getBookmark(),
  } as unknown as D1DatabaseSession;
}

function laggingSession(real: D1DatabaseSession): D1DatabaseSession {
  return {
    prepare: (query: string) => laggingStatement(real.prepare(query)),
    batch: () => Promise.reject(new Error("a batch on a lagging replica session is not simulated")),
    getBookmark: () => real.getBookmark(),
  } as unknown as D1DatabaseSession;
}

/**
 * `env.DB`, recording. With `replicaLag`, a session not started on the primary reads as a replica
 * that has none of the rows written lately (here: none at all), as a far replica may right after a
 * write; a session started with `first-primary` is the real, current D1.
 */
export function recordedD1(options: { replicaLag?: boolean } = {}): RecordedD1 {
  const recorded: RecordedD1 = {
    binding: undefined as unknown as D1Database,
    starts: [],
    directQueries: 0,
    queries: [],
  };
  recorded.binding = {
    withSession(start?: string) {
      const from = start ?? "first-unconstrained";
      recorded.starts.push(from);
      const session = recordingSession(env.DB.withSession(from), from, recorded);
      return options.replicaLag && from !== "first-primary" ? laggingSession(session) : session;
    },
    prepare(query: string) {
      recorded.directQueries += 1;
      return env.DB.prepare(query);
    },
    batch(statements: D1PreparedStatement[]) {
      recorded.directQueries += 1;
      return env.DB.batch(statements);
    },
    exec(query: string) {
      recorded.directQueries += 1;
      return env.DB.exec(query);
    },
  } as unknown as D1Database;
  return recorded;
}
