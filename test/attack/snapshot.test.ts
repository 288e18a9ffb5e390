import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { NO_CHANGES, SEQUENCES, type StorageSnapshot, snapshotStorage, storageChanges } from "./snapshot";

/** The attack suite's "changes nothing" must be able to say "changed": each write it should see, it sees. */

const PROBE_KEY = `attack-snapshot-probe:${crypto.randomUUID()}`;
const probePublicId = `attack-snapshot-probe-${crypto.randomUUID()}`;

afterEach(async () => {
  await env.DB.prepare("DELETE FROM businesses WHERE public_id = ?").bind(probePublicId).run();
  await env.KV.delete(PROBE_KEY);
});

async function insertProbeBusiness(): Promise<void> {
  await env.DB.prepare("INSERT INTO businesses (public_id, name) VALUES (?, 'Snapshot probe')")
    .bind(probePublicId)
    .run();
}

describe("the attack suite's storage snapshot", () => {
  it("sees nothing when nothing was written", async () => {
    const before = await snapshotStorage();
    expect(storageChanges(before, await snapshotStorage())).toEqual(NO_CHANGES);
  });

  it("sees a row inserted", async () => {
    const before = await snapshotStorage();
    await insertProbeBusiness();
    const changes = storageChanges(before, await snapshotStorage());
    expect(Object.keys(changes.tables)).toEqual(["businesses", SEQUENCES]);
    expect(changes.tables.businesses).toHaveProperty("rows");
  });

  it("sees a row inserted and deleted again, through the AUTOINCREMENT counter", async () => {
    const before = await snapshotStorage();
    await insertProbeBusiness();
    await env.DB.prepare("DELETE FROM businesses WHERE public_id = ?").bind(probePublicId).run();
    expect(storageChanges(before, await snapshotStorage()).tables).toEqual({
      [SEQUENCES]: { businesses: expect.any(String) },
    });
  });

  it("sees an update that only moves a timestamp", async () => {
    await insertProbeBusiness();
    const before = await snapshotStorage();
    await env.DB.prepare("UPDATE businesses SET updated_at = updated_at + 1 WHERE public_id = ?")
      .bind(probePublicId)
      .run();
    expect(storageChanges(before, await snapshotStorage()).tables).toEqual({
      businesses: { "sum(updated_at)": expect.any(String) },
    });
  });

  it("sees an update that only changes a text's length", async () => {
    await insertProbeBusiness();
    const before = await snapshotStorage();
    await env.DB.prepare("UPDATE businesses SET status = 'suspended' WHERE public_id = ?").bind(probePublicId).run();
    expect(storageChanges(before, await snapshotStorage()).tables).toEqual({
      businesses: { "len(status)": expect.any(String) },
    });
  });

  it("sees a KV key added, written again with another expiration, and removed", async () => {
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    const empty = await snapshotStorage();
    await env.KV.put(PROBE_KEY, "1", { expiration: inAnHour });
    const added = await snapshotStorage();
    expect(storageChanges(empty, added)).toEqual({ ...NO_CHANGES, kvAdded: [PROBE_KEY] });
    await env.KV.put(PROBE_KEY, "2", { expiration: inAnHour + 60 });
    const rewritten = await snapshotStorage();
    expect(storageChanges(added, rewritten)).toEqual({ ...NO_CHANGES, kvRewritten: [PROBE_KEY] });
    await env.KV.delete(PROBE_KEY);
    expect(storageChanges(rewritten, await snapshotStorage())).toEqual({ ...NO_CHANGES, kvRemoved: [PROBE_KEY] });
  });
});

describe("comparing two snapshots", () => {
  const at = 1_800_000_000;
  const snapshot = (kv: Array<[string, number | undefined]>, seconds = at): StorageSnapshot => ({
    tables: {},
    kv: new Map(kv),
    at: seconds,
  });

  it("takes a key that expired on its own between them for no change", () => {
    expect(storageChanges(snapshot([["expiring", at]]), snapshot([], at + 1))).toEqual(NO_CHANGES);
  });

  it("takes a key deleted long before its expiration, or one that never expires, for a change", () => {
    const before = snapshot([
      ["for-an-hour", at + 3600],
      ["forever", undefined],
    ]);
    expect(storageChanges(before, snapshot([], at + 1)).kvRemoved).toEqual(["for-an-hour", "forever"]);
  });

  it("names each aggregate that moved, with both values", () => {
    const before: StorageSnapshot = { tables: { users: { rows: 3, "sum(updated_at)": "10" } }, kv: new Map(), at };
    const after: StorageSnapshot = { tables: { users: { rows: 3, "sum(updated_at)": "11" } }, kv: new Map(), at };
    expect(storageChanges(before, after).tables).toEqual({ users: { "sum(updated_at)": "10 → 11" } });
  });
});
