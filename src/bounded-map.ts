/**
 * A per-isolate cache that holds at most `maxEntries`: a new key at the bound first evicts the
 * entry inserted longest ago (a Map iterates in insertion order, so that is its first key). No
 * stream of new keys (a flood of tokens, keys or URLs) can grow an isolate's memory past the
 * bound, nor push out more than one older entry per new key; reads do no bookkeeping at all.
 * What is dropped is only ever recomputed or read again.
 *
 * Eviction is by insertion, not by use: `get` does not refresh an entry, and `set` on a key
 * already held updates it in place, keeping its position. A caller that wants a rewritten entry
 * to count as new deletes the key before setting it.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly maxEntries: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key)) {
      while (this.size >= this.maxEntries) {
        const oldest = this.keys().next();
        if (oldest.done) break;
        this.delete(oldest.value);
      }
    }
    return super.set(key, value);
  }
}
