import { describe, expect, it } from "vitest";
import { LruCache } from "../../src/lru-cache";

/** A cache whose entries cost their value in bytes, so that the accounting is easy to follow. */
function cacheOf(maxBytes: number, evicted: string[] = []) {
  return new LruCache<string, number>({
    maxBytes,
    sizeOf: (_key, value) => value,
    onEvict: (key) => evicted.push(key),
  });
}

describe("a per-isolate LRU cache under a byte budget", () => {
  it("evicts the least recently used entry first, and a get makes an entry the most recent", () => {
    const evicted: string[] = [];
    const cache = cacheOf(30, evicted);
    cache.set("a", 10);
    cache.set("b", 10);
    cache.set("c", 10);
    expect(cache.get("a")).toBe(10);
    cache.set("d", 10);
    expect(evicted).toEqual(["b"]);
    expect([...cache.keys()]).toEqual(["c", "a", "d"]);
  });

  it("keeps exact recency when the same entry is read again and again, and after it is deleted", () => {
    const cache = cacheOf(40);
    cache.set("a", 10);
    cache.set("b", 10);
    cache.get("a");
    cache.get("a");
    expect([...cache.keys()]).toEqual(["b", "a"]);
    cache.set("c", 10);
    cache.get("a");
    expect([...cache.keys()]).toEqual(["b", "c", "a"]);
    cache.delete("a");
    cache.get("b");
    cache.set("a", 10);
    cache.get("c");
    expect([...cache.keys()]).toEqual(["b", "a", "c"]);
  });

  it("a peek reads without refreshing: the entry peeked at is still the coldest", () => {
    const evicted: string[] = [];
    const cache = cacheOf(20, evicted);
    cache.set("a", 10);
    cache.set("b", 10);
    expect(cache.peek("a")).toBe(10);
    cache.set("c", 10);
    expect(evicted).toEqual(["a"]);
  });

  it("setting a key it holds replaces the value, re-sizes the entry and makes it the most recent", () => {
    const evicted: string[] = [];
    const cache = cacheOf(30, evicted);
    cache.set("a", 10);
    cache.set("b", 10);
    cache.set("a", 15);
    expect(cache.bytes).toBe(25);
    expect(cache.size).toBe(2);
    expect([...cache.keys()]).toEqual(["b", "a"]);
    cache.set("c", 5);
    expect(evicted).toEqual([]);
    cache.set("d", 5);
    expect(evicted).toEqual(["b"]);
    expect(cache.bytes).toBe(25);
  });

  it("evicts as many of the coldest entries as a large new one needs, and no more", () => {
    const evicted: string[] = [];
    const cache = cacheOf(40, evicted);
    for (const key of ["a", "b", "c", "d"]) cache.set(key, 10);
    cache.set("big", 25);
    expect(evicted).toEqual(["a", "b", "c"]);
    expect([...cache.keys()]).toEqual(["d", "big"]);
    expect(cache.bytes).toBe(35);
  });

  it("keeps its byte count exact through deletes, replacements, evictions and clear", () => {
    const cache = cacheOf(100);
    const sum = () => [...cache.keys()].reduce((total, key) => total + (cache.peek(key) ?? 0), 0);
    for (let i = 1; i <= 30; i++) {
      cache.set(`k${i % 12}`, i);
      if (i % 7 === 0) cache.delete(`k${(i + 3) % 12}`);
      expect(cache.bytes).toBe(sum());
      expect(cache.bytes).toBeLessThanOrEqual(100);
    }
    expect(cache.delete("absent")).toBe(false);
    cache.clear();
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
  });

  it("a flood of new keys evicts only the coldest: an entry read between them stays", () => {
    const evicted: string[] = [];
    const cache = cacheOf(100, evicted);
    cache.set("hot", 10);
    for (let i = 0; i < 1_000; i++) {
      cache.set(`flood-${i}`, 10);
      expect(cache.get("hot")).toBe(10);
      expect(cache.bytes).toBeLessThanOrEqual(100);
    }
    expect(evicted).not.toContain("hot");
    expect(evicted).toHaveLength(1_000 - 9);
    expect(evicted.slice(0, 3)).toEqual(["flood-0", "flood-1", "flood-2"]);
    expect(cache.size).toBe(10);
  });

  it("refuses an entry larger than its whole budget, keeping the others and dropping the key's old value", () => {
    const evicted: string[] = [];
    const cache = cacheOf(50, evicted);
    cache.set("a", 10);
    cache.set("b", 10);
    expect(cache.set("huge", 51)).toBe(false);
    expect(cache.has("huge")).toBe(false);
    expect(cache.set("a", 60)).toBe(false);
    expect(cache.has("a")).toBe(false);
    expect([...cache.keys()]).toEqual(["b"]);
    expect(cache.bytes).toBe(10);
    expect(evicted).toEqual([]);
    expect(cache.set("exact", 40)).toBe(true);
    expect(cache.bytes).toBe(50);
  });

  it("a smaller budget evicts the coldest entries until the rest fit", () => {
    const evicted: string[] = [];
    const cache = cacheOf(40, evicted);
    for (const key of ["a", "b", "c", "d"]) cache.set(key, 10);
    cache.get("a");
    cache.resize(20);
    expect(evicted).toEqual(["b", "c"]);
    expect([...cache.keys()]).toEqual(["d", "a"]);
    expect([cache.maxBytes, cache.bytes]).toEqual([20, 20]);
  });
});
