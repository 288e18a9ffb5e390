import {
  type ApiKeyChange,
  type ApiKeyChangesRead,
  deleteApiKeyChangesBefore,
  readApiKeyChangesAfter,
  readLatestApiKeyChanges,
} from "../../storage/api-key-changes";
import { primaryOf } from "../../storage/d1-sessions";
import type { Deps } from "../deps";

/** The first read of an isolate takes this many of the latest changes, to judge Cache API entries. */
export const FIRST_READ_CHANGES = 1_000;
/** Each later read takes at most this many; more waiting means the isolate forgets every key. */
export const CHANGES_PER_READ = 1_000;
/** Changes remembered one by one, beyond which the oldest are forgotten (a read counts as older then). */
export const REMEMBERED_CHANGES = 10_000;
/** How long the feed keeps a change (the daily cron deletes older ones): far past any reader's need. */
export const CHANGE_RETENTION_MS = 86_400_000;
/** A reader that has not read the feed for this long starts over, before retention can outrun it. */
const START_OVER_AFTER_MS = CHANGE_RETENTION_MS / 2;
/** After a failed read, the next waits 1 s, then 2, 4, … up to this. */
const MAX_RETRY_DELAY_MS = 30_000;

/** What a read tells the memory tier to drop: every key, or the keys changed (by lookup hash). */
export type Dropped = "all" | readonly ApiKeyChange[];

/**
 * One isolate's view of the API-key change feed (`api_key_changes`, written by triggers on every
 * change that alters a key's verification). Reading it every `apiKeyCacheSeconds` replaces reading
 * each key in memory again: one read, however many keys the isolate holds, tells it which of them
 * changed. A record carries the feed position it is current as of (`asOfSeq`), so the feed also
 * says whether a record read elsewhere (the location's Cache API, a resolution still in flight)
 * is older than a change the isolate has seen.
 */
export class KeyChangeFeed {
  /** The newest seq applied; null before the first read. */
  private cursor: number | null = null;
  /** When (epoch ms) the last successful read was started. */
  private checkedAt = Number.NEGATIVE_INFINITY;
  /** Changes above this seq are known one by one (`latest`); older ones are not. */
  private knownAfter = 0;
  /** Lookup hash → seq of its newest change, oldest first. */
  private readonly latest = new Map<string, number>();
  private inFlight: Promise<void> | null = null;
  private failures = 0;
  private retryAt = Number.NEGATIVE_INFINITY;

  /** Milliseconds since the last successful read began (a clock that went back counts as never). */
  ageAt(nowMs: number): number {
    const age = nowMs - this.checkedAt;
    return age >= 0 ? age : Number.POSITIVE_INFINITY;
  }

  /**
   * Whether a record of `hash` current as of `asOfSeq` may be taken: no change the isolate knows
   * of came after it. "No such key" (`asOfSeq` null) always may: a random key never gains a row.
   * Before the first read nothing is known, and what is taken then is dropped by that read.
   */
  trusts(hash: string, asOfSeq: number | null | undefined): boolean {
    if (asOfSeq === null) return true;
    if (typeof asOfSeq !== "number") return false;
    if (this.cursor === null) return true;
    if (asOfSeq < this.knownAfter) return false;
    return (this.latest.get(hash) ?? 0) <= asOfSeq;
  }

  /**
   * Reads the feed from D1's primary (a replica's lag would stretch the revocation bound), one read
   * at a time, and hands what changed to `drop`. Never rejects: a failure is logged and the next
   * read waits, doubling up to 30 s, so a failing D1 sees one read per delay, not one per request.
   */
  sync(deps: Pick<Deps, "db" | "now">, drop: (dropped: Dropped) => void): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const startedAt = deps.now.getTime();
    if (startedAt < this.retryAt) return Promise.resolve();
    // Changes this old may be gone already: read as an isolate that just started (and forget every key).
    if (this.ageAt(startedAt) >= START_OVER_AFTER_MS) this.cursor = null;
    const done = this.read(deps.db)
      .then(
        (changes) => {
          drop(this.apply(changes, startedAt));
          this.failures = 0;
          this.retryAt = Number.NEGATIVE_INFINITY;
        },
        (err: unknown) => {
          this.failures += 1;
          this.retryAt = startedAt + Math.min(1000 * 2 ** (this.failures - 1), MAX_RETRY_DELAY_MS);
          const detail = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 200) : "unknown";
          const retryInMs = this.retryAt - startedAt;
          console.warn(JSON.stringify({ level: "warn", event: "api_key_changes_read_failed", detail, retryInMs }));
        },
      )
      .finally(() => {
        this.inFlight = null;
      });
    this.inFlight = done;
    return done;
  }

  private async read(db: Deps["db"]): Promise<ApiKeyChangesRead> {
    const primary = primaryOf(db);
    if (this.cursor === null) return readLatestApiKeyChanges(primary, FIRST_READ_CHANGES);
    return readApiKeyChangesAfter(primary, this.cursor, CHANGES_PER_READ);
  }

  /** Takes in a read started at `startedAt`; returns what memory must drop. */
  private apply(read: ApiKeyChangesRead, startedAt: number): Dropped {
    const { changes, newestSeq } = read;
    const first = this.cursor === null;
    const last = changes.at(-1);
    this.cursor = newestSeq;
    this.checkedAt = startedAt;
    if (!first && last !== undefined && last.seq < newestSeq) {
      // More changed than one read takes: forget every key rather than read on.
      this.latest.clear();
      this.knownAfter = newestSeq;
      return "all";
    }
    if (first) {
      this.latest.clear();
      this.knownAfter = changes.length >= FIRST_READ_CHANGES ? (changes[0]?.seq ?? 1) - 1 : 0;
    }
    for (const { lookupHash, seq } of changes) {
      this.latest.delete(lookupHash);
      this.latest.set(lookupHash, seq);
    }
    for (const [hash, seq] of this.latest) {
      if (this.latest.size <= REMEMBERED_CHANGES) break;
      this.latest.delete(hash);
      this.knownAfter = Math.max(this.knownAfter, seq);
    }
    // What memory took before the first read was never checked against anything: it goes.
    return first ? "all" : changes;
  }
}

/** Deletes changes older than `CHANGE_RETENTION_MS` (the daily cron); returns how many rows went. */
export function pruneApiKeyChanges(deps: Pick<Deps, "db" | "now">): Promise<number> {
  return deleteApiKeyChangesBefore(deps.db, deps.now.getTime() - CHANGE_RETENTION_MS);
}
