import { epochDayOf } from "./daily-usage";

/** One key's uses not yet written. */
export interface PendingKeyUsage {
  keyId: number;
  lastUsedAt: number;
  /** Uses per UTC day (days since the epoch → count): almost always a single day. */
  byDay: Map<number, number>;
}

/**
 * Usage counted in memory until the next flush, for at most `maxKeys` distinct keys: a use of a
 * key that finds no room is dropped and only counted in `dropped`, so memory never grows with the
 * number of keys in use.
 */
export class UsageAggregate {
  private readonly pending = new Map<number, PendingKeyUsage>();
  private droppedUses = 0;

  constructor(readonly maxKeys: number) {}

  get size(): number {
    return this.pending.size;
  }

  /** Uses dropped for want of room since the last `takeDropped`. */
  get dropped(): number {
    return this.droppedUses;
  }

  add(keyId: number, atMs: number): void {
    const entry = this.entryFor(keyId);
    if (!entry) {
      this.droppedUses += 1;
      return;
    }
    const day = epochDayOf(atMs);
    entry.byDay.set(day, (entry.byDay.get(day) ?? 0) + 1);
    if (atMs > entry.lastUsedAt) entry.lastUsedAt = atMs;
  }

  /** Everything pending, leaving the aggregate empty. */
  drain(): PendingKeyUsage[] {
    const entries = [...this.pending.values()];
    this.pending.clear();
    return entries;
  }

  /** Puts back what a failed flush took, merged with what came since, within the same bound. */
  restore(entries: PendingKeyUsage[]): void {
    for (const taken of entries) {
      const entry = this.entryFor(taken.keyId);
      if (!entry) {
        this.droppedUses += usesOf(taken);
        continue;
      }
      for (const [day, count] of taken.byDay) entry.byDay.set(day, (entry.byDay.get(day) ?? 0) + count);
      if (taken.lastUsedAt > entry.lastUsedAt) entry.lastUsedAt = taken.lastUsedAt;
    }
  }

  takeDropped(): number {
    const dropped = this.droppedUses;
    this.droppedUses = 0;
    return dropped;
  }

  private entryFor(keyId: number): PendingKeyUsage | undefined {
    const existing = this.pending.get(keyId);
    if (existing || this.pending.size >= this.maxKeys) return existing;
    const created: PendingKeyUsage = { keyId, lastUsedAt: 0, byDay: new Map() };
    this.pending.set(keyId, created);
    return created;
  }
}

export function usesOf(entry: PendingKeyUsage): number {
  let total = 0;
  for (const count of entry.byDay.values()) total += count;
  return total;
}
