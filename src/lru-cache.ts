/**
 * A per-isolate cache bounded by an approximate byte budget, evicting the least recently used
 * entry first. A Map iterates in insertion order, so keeping an entry's recency is a delete and a
 * set (both O(1)) and the coldest entry is always the first key.
 *
 * - `get` refreshes an entry's recency; `peek` reads without doing so.
 * - `set` of a key already held replaces its value, re-sizes it and makes it the most recent.
 * - A new entry first evicts the coldest entries until it fits, so no stream of new keys (a flood
 *   of tokens, keys or URLs) can grow an isolate's memory past the budget, and it pushes out only
 *   the coldest entries, never a hot one.
 * - An entry larger than the whole budget is not stored (and replaces nothing: the key is dropped).
 *
 * Each cache states what an entry costs through `sizeOf` (see `isolate-memory.ts` for the helpers
 * and every cache's share). What is dropped is only ever recomputed or read again.
 */
export interface LruCacheOptions<K, V> {
  /** The budget, in approximate bytes of memory held. */
  maxBytes: number;
  /** What one entry costs, in the same approximate bytes; called once per `set`. */
  sizeOf: (key: K, value: V) => number;
  /** Called for each entry evicted to make room (not for `delete`, replacement or `clear`). */
  onEvict?: (key: K, value: V) => void;
}

interface Slot<V> {
  value: V;
  bytes: number;
}

export class LruCache<K, V> {
  private budget: number;
  private readonly sizeOf: (key: K, value: V) => number;
  private readonly onEvict: ((key: K, value: V) => void) | undefined;
  private readonly slots = new Map<K, Slot<V>>();
  private heldBytes = 0;
  /** The last key stored or read: while it is held, it is already the most recent. */
  private newest: K | undefined;

  constructor(options: LruCacheOptions<K, V>) {
    this.budget = options.maxBytes;
    this.sizeOf = options.sizeOf;
    this.onEvict = options.onEvict;
  }

  /** The budget, in approximate bytes. */
  get maxBytes(): number {
    return this.budget;
  }

  /** Changes the budget, evicting the coldest entries until the held ones fit. */
  resize(maxBytes: number): void {
    this.budget = maxBytes;
    while (this.heldBytes > this.budget && this.slots.size > 0) this.evictColdest();
  }

  /** How many entries are held. */
  get size(): number {
    return this.slots.size;
  }

  /** The approximate bytes the held entries cost, by their `sizeOf`. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** The value for `key`, which becomes the most recently used entry. */
  get(key: K): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (key !== this.newest) {
      this.slots.delete(key);
      this.slots.set(key, slot);
      this.newest = key;
    }
    return slot.value;
  }

  /** The value for `key`, leaving its recency as it was. */
  peek(key: K): V | undefined {
    return this.slots.get(key)?.value;
  }

  has(key: K): boolean {
    return this.slots.has(key);
  }

  /** Stores `value` as the most recently used entry; false if it is larger than the budget. */
  set(key: K, value: V): boolean {
    this.delete(key);
    const bytes = this.sizeOf(key, value);
    if (bytes > this.budget) return false;
    while (this.heldBytes + bytes > this.budget && this.slots.size > 0) this.evictColdest();
    this.slots.set(key, { value, bytes });
    this.newest = key;
    this.heldBytes += bytes;
    return true;
  }

  delete(key: K): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.slots.delete(key);
    this.heldBytes -= slot.bytes;
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.heldBytes = 0;
  }

  /** The keys from the least to the most recently used. */
  keys(): IterableIterator<K> {
    return this.slots.keys();
  }

  private evictColdest(): void {
    const coldest = this.slots.entries().next();
    if (coldest.done) return;
    const [key, slot] = coldest.value;
    this.slots.delete(key);
    this.heldBytes -= slot.bytes;
    this.onEvict?.(key, slot.value);
  }
}
