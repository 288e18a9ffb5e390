import { type Database, databaseOver } from "./db";

/**
 * One request's reads and writes on D1 through D1's Sessions API, so that reads that tolerate
 * replica lag go to the nearest read replica where read replication is enabled, and everything
 * else sees what the primary has committed (docs/architecture.md, "Consistency").
 *
 * A request holds at most one live D1 session, started by its first query and never before (a
 * warm forward, which queries nothing, starts none). Every read asks for a freshness:
 *
 * - `nearest`: any instance, the nearest replica included; from the client's bookmark when it
 *   sent one, so never older than what that client saw or wrote before.
 * - `primary`: at least what the primary has committed when the read is made. A session started
 *   elsewhere is replaced by one started on the primary (`first-primary`); what the request saw
 *   before stays seen, since the primary is never behind a replica.
 * - `default`: what the request's path was given (`tolerateReplicaLag`), else `primary`. Paths
 *   that were not reviewed for lag therefore keep reading the primary, as before sessions.
 *
 * Within a session D1 keeps sequential consistency, so a request reads its own writes (writes go
 * to the primary whatever the session's start).
 */
export type ReadFreshness = "default" | "primary" | "nearest";

/** What a D1 session is started from: a constraint, or a bookmark a client sent back. */
type SessionStart = D1SessionConstraint | D1SessionBookmark;

/** The D1 bookmark format (four hex groups, 8-8-8-32), as the platform and local D1 produce it. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/**
 * Whether a client-sent value can be a D1 bookmark. Checked before D1 sees it: local D1 takes any
 * string, and what the platform does with a malformed one is not documented.
 */
export function isD1Bookmark(value: string): boolean {
  return BOOKMARK.test(value);
}

/** The part of the binding a request session needs: a test may record what it is asked. */
export type SessionBinding = Pick<D1Database, "withSession">;

/** A request's D1 session, shaped like `D1DatabaseSession` for each freshness a read may ask for. */
export class RequestSession {
  private session: D1DatabaseSession | null = null;
  private onPrimary = false;
  private defaultReads: "primary" | "nearest" = "primary";
  private nearestStart: SessionStart = "first-unconstrained";

  constructor(private readonly binding: SessionBinding) {}

  /**
   * Lets this request's default reads come from the nearest replica, no older than `bookmark`
   * when given. Only before the first query: a session already started keeps its guarantees.
   */
  tolerateReplicaLag(bookmark?: string): void {
    if (this.session) return;
    this.defaultReads = "nearest";
    if (bookmark !== undefined) this.nearestStart = bookmark;
  }

  /** Whether the next read of this freshness is known to see what the primary has committed. */
  readsPrimary(freshness: ReadFreshness): boolean {
    if (this.onPrimary) return true;
    return this.wanted(freshness) === "primary";
  }

  /** The session a query of this freshness runs in, started or replaced as it requires. */
  sessionFor(freshness: ReadFreshness): D1DatabaseSession {
    if (this.session && (this.onPrimary || this.wanted(freshness) === "nearest")) return this.session;
    const onPrimary = this.wanted(freshness) === "primary";
    this.session = this.binding.withSession(onPrimary ? "first-primary" : this.nearestStart);
    this.onPrimary = onPrimary;
    return this.session;
  }

  /** The bookmark to hand back to the client: null when this request ran no query. */
  bookmark(): string | null {
    return this.session?.getBookmark() ?? null;
  }

  private wanted(freshness: ReadFreshness): "primary" | "nearest" {
    return freshness === "default" ? this.defaultReads : freshness;
  }
}

/** `prepare` and `batch` of one freshness, for drizzle (which calls nothing else on its client). */
class SessionView {
  constructor(
    private readonly session: RequestSession,
    private readonly freshness: ReadFreshness,
  ) {}

  prepare(query: string): D1PreparedStatement {
    return this.session.sessionFor(this.freshness).prepare(query);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return this.session.sessionFor(this.freshness).batch<T>(statements);
  }
}

/** Marks a database built over a request's session, so that its other freshnesses can be found. */
const REQUEST = Symbol("request database");
type RequestView = Database & { [REQUEST]?: RequestDatabase };

/** The request's database for each freshness, each built on first use. */
export class RequestDatabase {
  readonly session: RequestSession;
  private readonly views: Partial<Record<ReadFreshness, Database>> = {};

  constructor(binding: SessionBinding) {
    this.session = new RequestSession(binding);
  }

  /** What `deps.db` is: reads of the path's default freshness. */
  get db(): Database {
    return this.view("default");
  }

  view(freshness: ReadFreshness): Database {
    let db = this.views[freshness];
    if (!db) {
      const view: RequestView = databaseOver(new SessionView(this.session, freshness));
      view[REQUEST] = this;
      db = view;
      this.views[freshness] = db;
    }
    return db;
  }
}

/** The request a database belongs to; none for a database over the bare binding (the primary). */
function requestOf(db: Database): RequestDatabase | undefined {
  return (db as RequestView)[REQUEST];
}

/** The same request's database, for reads that tolerate replica lag. */
export function nearestReplicaOf(db: Database): Database {
  return requestOf(db)?.view("nearest") ?? db;
}

/** The same request's database, for reads that must see what the primary has committed. */
export function primaryOf(db: Database): Database {
  return requestOf(db)?.view("primary") ?? db;
}

/** Whether a read of this freshness through `db`, made now, would see what the primary has committed. */
export function readsPrimary(db: Database, freshness: ReadFreshness = "default"): boolean {
  const request = requestOf(db);
  return request ? request.session.readsPrimary(freshness) : true;
}
