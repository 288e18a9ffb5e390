import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { generateApiKey } from "../../src/crypto/api-key-format";
import type { UserType } from "../../src/domain";
import { type Database, openDatabase } from "../../src/storage/db";
import { apiKeys, auditEvents, businesses } from "../../src/storage/schema";
import { createUser } from "./accounts";
import { type SignedIn, signIn } from "./tokens";
import { send, sendJson } from "./worker";

// test/attack/fixtures.ts imports these from here; their home is ./tokens.

/** A user of `userType`, signed in, owning one fresh business (whose public id is returned). */
export async function signedInOwner(userType: UserType = "user"): Promise<SignedIn & { businessPublicId: string }> {
  const user = await signIn(await createUser({ userType, businessNames: [`Biz ${crypto.randomUUID().slice(0, 8)}`] }));
  const [businessId] = user.businessIds;
  if (businessId === undefined) throw new Error("no business");
  return { ...user, businessPublicId: await businessPublicIdOf(businessId) };
}

export async function businessPublicIdOf(businessId: number): Promise<string> {
  const row = await openDatabase(env.DB).select().from(businesses).where(eq(businesses.id, businessId)).get();
  if (!row) throw new Error(`no business ${businessId}`);
  return row.publicId;
}

export interface CreatedKey {
  key: string;
  api_key: { id: string; status: string; [field: string]: unknown };
}

/** Creates a key through the management API and insists it worked. */
export async function createKey(
  owner: SignedIn & { businessPublicId: string },
  fields: Record<string, unknown> = {},
): Promise<CreatedKey> {
  const res = await sendJson(
    "/v1/api-keys",
    "POST",
    {
      business_id: owner.businessPublicId,
      name: "Test key",
      kind: "secret",
      mode: "test",
      permissions: ["sms"],
      ...fields,
    },
    owner.headers,
  );
  const body = (await res.json()) as CreatedKey;
  if (res.status !== 201) throw new Error(`create key failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** `GET /v1/auth/api-key` with the key: the quickest way to ask "does this key work?". */
export function presentKey(key: string): Promise<Response> {
  return send("/v1/auth/api-key", { headers: { "X-Ping-Api-Key": key } });
}

export async function keyRowsOfBusiness(businessPublicId: string) {
  const db = openDatabase(env.DB);
  return db
    .select({ key: apiKeys })
    .from(apiKeys)
    .innerJoin(businesses, eq(businesses.id, apiKeys.businessId))
    .where(eq(businesses.publicId, businessPublicId));
}

export async function keyRowByPublicId(publicId: string) {
  return openDatabase(env.DB).select().from(apiKeys).where(eq(apiKeys.publicId, publicId)).get();
}

export async function auditRowsFor(target: string) {
  return openDatabase(env.DB).select().from(auditEvents).where(eq(auditEvents.target, target));
}

/** A request as `caller`, with a JSON body when one is given. */
export function sendAs(caller: SignedIn, method: string, path: string, body?: unknown): Promise<Response> {
  return body === undefined
    ? send(path, { method, headers: caller.headers })
    : sendJson(path, method, body, caller.headers);
}

/** D1 takes a statement of up to 100 KB; 500 rows of literals stay well under it. */
const ROWS_PER_INSERT = 500;

export interface IssuedKey {
  plaintext: string;
  hash: string;
}

/** `count` secret keys of one business, straight in D1 with a few multi-row INSERTs. */
export async function issueKeys(businessId: number, count: number): Promise<IssuedKey[]> {
  const keys = await Promise.all(Array.from({ length: count }, () => generateApiKey("secret", "live")));
  const batchTag = crypto.randomUUID().slice(0, 8);
  for (let start = 0; start < keys.length; start += ROWS_PER_INSERT) {
    // Every value is base58, base64url or a number we made, so literals are safe here.
    const rows = keys
      .slice(start, start + ROWS_PER_INSERT)
      .map(
        (key, i) =>
          `('key_many_${batchTag}_${start + i}', ${businessId}, 'many', 'secret', 'live', '["sms"]', '${key.lookupHash}', '${key.displayPrefix}')`,
      );
    await env.DB.prepare(
      `INSERT INTO api_keys (public_id, business_id, name, kind, mode, permissions, hash, display_prefix) VALUES ${rows.join(", ")}`,
    ).run();
  }
  return keys.map((key) => ({ plaintext: key.plaintext, hash: key.lookupHash }));
}

/**
 * The D1 binding behind a drizzle database that counts the reads (SELECTs) sent through it:
 * `reads()` all of them, `keyReads()` those of a key's record, `feedReads()` those of the key
 * change feed (a feed read is one batch of two SELECTs, counted once).
 */
export function countingDatabase(onRead: () => void = () => undefined): {
  db: Database;
  reads: () => number;
  keyReads: () => number;
  feedReads: () => number;
} {
  const selects: string[] = [];
  const counted = new Proxy(env.DB, {
    get(target, property) {
      if (property === "prepare") {
        return (query: string) => {
          if (/^\s*select/i.test(query)) {
            selects.push(query);
            onRead();
          }
          return target.prepare(query);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const count = (pattern: RegExp) => selects.filter((query) => pattern.test(query)).length;
  return {
    db: openDatabase(counted),
    reads: () => selects.length,
    keyReads: () => count(/from "api_keys"/),
    feedReads: () => count(/^select "seq", "lookup_hash" from "api_key_changes"/),
  };
}
