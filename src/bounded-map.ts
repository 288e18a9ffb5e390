/**
 * A per-isolate cache that forgets everything at once when a new key would take it past
 * `maxEntries`: no bookkeeping on the hot path, and no stream of new keys (a flood of tokens,
 * keys or URLs) can grow an isolate's memory past the bound. What is dropped is only ever
 * recomputed or read again.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(readonly maxEntries: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.maxEntries && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}
