import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  isD1Bookmark,
  nearestReplicaOf,
  primaryOf,
  RequestDatabase,
  readsPrimary,
} from "../../src/storage/d1-sessions";
import { type Database, openDatabase } from "../../src/storage/db";
import { businesses } from "../../src/storage/schema";
import { recordedD1 } from "../support/d1-sessions";

function findBusiness(db: Database, publicId: string) {
  return db.select().from(businesses).where(eq(businesses.publicId, publicId)).get();
}

async function insertBusiness(db: Database, name: string): Promise<string> {
  const publicId = crypto.randomUUID();
  const now = new Date();
  await db.insert(businesses).values({ publicId, name, status: "verified", createdAt: now, updatedAt: now });
  return publicId;
}

describe("a request's D1 session", () => {
  it("starts no session, and has no bookmark, until the request queries D1", () => {
    const d1 = recordedD1();
    const request = new RequestDatabase(d1.binding);
    void request.db;
    void nearestReplicaOf(request.db);
    expect(d1.starts).toEqual([]);
    expect(request.session.bookmark()).toBeNull();
  });

  it("reads the primary by default: a path nobody reviewed for replica lag keeps today's freshness", async () => {
    const d1 = recordedD1();
    const request = new RequestDatabase(d1.binding);
    await findBusiness(request.db, "nobody");
    await findBusiness(request.db, "nobody");
    expect(d1.starts).toEqual(["first-primary"]);
    expect(d1.directQueries).toBe(0);
  });

  it("starts unconstrained for a read that tolerates lag, and on the primary when a later read needs it", async () => {
    const d1 = recordedD1();
    const request = new RequestDatabase(d1.binding);
    await findBusiness(nearestReplicaOf(request.db), "nobody");
    expect(d1.starts).toEqual(["first-unconstrained"]);
    await findBusiness(primaryOf(request.db), "nobody");
    // Once on the primary, every later read stays at least that fresh: no further session.
    await findBusiness(nearestReplicaOf(request.db), "nobody");
    await findBusiness(request.db, "nobody");
    expect(d1.starts).toEqual(["first-unconstrained", "first-primary"]);
  });

  it("a path that tolerates lag starts from the client's bookmark when it sent one", async () => {
    const first = new RequestDatabase(env.DB);
    await insertBusiness(first.db, "Bookmarked");
    const bookmark = first.session.bookmark();
    expect(bookmark).not.toBeNull();

    const d1 = recordedD1();
    const request = new RequestDatabase(d1.binding);
    request.session.tolerateReplicaLag(bookmark ?? undefined);
    await findBusiness(request.db, "nobody");
    expect(d1.starts).toEqual([bookmark]);
  });

  it("a path that tolerates lag without a bookmark starts unconstrained; once started, it keeps its session", async () => {
    const d1 = recordedD1();
    const request = new RequestDatabase(d1.binding);
    request.session.tolerateReplicaLag();
    await findBusiness(request.db, "nobody");
    request.session.tolerateReplicaLag("00000000-00000001-00000000-00000000000000000000000000000000");
    await findBusiness(request.db, "nobody");
    expect(d1.starts).toEqual(["first-unconstrained"]);
  });

  it("a request reads its own write, and hands back a bookmark at least that fresh", async () => {
    const request = new RequestDatabase(env.DB);
    request.session.tolerateReplicaLag();
    const publicId = await insertBusiness(request.db, "Own write");
    expect((await findBusiness(nearestReplicaOf(request.db), publicId))?.name).toBe("Own write");
    const bookmark = request.session.bookmark();
    expect(bookmark !== null && isD1Bookmark(bookmark)).toBe(true);
  });

  it("knows whether a read would see the primary", async () => {
    const request = new RequestDatabase(env.DB);
    expect(readsPrimary(request.db)).toBe(true);
    expect(readsPrimary(request.db, "nearest")).toBe(false);
    await findBusiness(request.db, "nobody");
    expect(readsPrimary(request.db, "nearest")).toBe(true);
    // The bare binding is the primary.
    expect(readsPrimary(openDatabase(env.DB), "nearest")).toBe(true);
  });
});

describe("D1 bookmarks a client sends", () => {
  it("accepts the format D1 produces", () => {
    expect(isD1Bookmark("00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683")).toBe(true);
  });

  it.each([
    "",
    "garbage",
    "first-primary",
    "first-unconstrained",
    "00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf89168",
    "00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf8916833",
    "00000085-0000024C-00004c6d-8e61117bf38d7adb71b934ebbf891683",
    " 00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683",
  ])("refuses %j", (value) => {
    expect(isD1Bookmark(value)).toBe(false);
  });
});
