import { describe, expect, it } from "vitest";
import { BoundedMap } from "../../src/bounded-map";

describe("a per-isolate bounded cache", () => {
  it("never holds more than its bound: a new key at the bound evicts the oldest entry", () => {
    const cache = new BoundedMap<string, number>(3);
    for (const key of ["a", "b", "c"]) cache.set(key, 1);
    expect(cache.size).toBe(3);
    cache.set("d", 2);
    expect([...cache.entries()]).toEqual([
      ["b", 1],
      ["c", 1],
      ["d", 2],
    ]);
    for (let i = 0; i < 100; i++) {
      cache.set(`flood-${i}`, i);
      expect(cache.size).toBeLessThanOrEqual(3);
    }
    expect([...cache.keys()]).toEqual(["flood-97", "flood-98", "flood-99"]);
  });

  it("updates a key it already holds without forgetting the others", () => {
    const cache = new BoundedMap<string, number>(2);
    cache.set("a", 1).set("b", 2).set("a", 3);
    expect([...cache.entries()]).toEqual([
      ["a", 3],
      ["b", 2],
    ]);
  });

  it("evicts by insertion, not by use: reads and in-place updates keep an entry's place", () => {
    const cache = new BoundedMap<string, number>(2);
    cache.set("a", 1).set("b", 2);
    cache.get("a");
    cache.set("a", 3);
    cache.set("c", 4);
    expect([...cache.entries()]).toEqual([
      ["b", 2],
      ["c", 4],
    ]);
  });

  it("a key deleted and set again counts as the newest", () => {
    const cache = new BoundedMap<string, number>(2);
    cache.set("a", 1).set("b", 2);
    cache.delete("a");
    cache.set("a", 3);
    cache.set("c", 4);
    expect([...cache.entries()]).toEqual([
      ["a", 3],
      ["c", 4],
    ]);
  });
});
