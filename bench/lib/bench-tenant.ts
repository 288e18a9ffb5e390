import type { Miniflare } from "miniflare";
import { DEMO_API_KEYS, demoApiKeySeedStatements } from "../../scripts/lib/demo-api-keys.ts";
import { sqlString } from "../../scripts/lib/sql.ts";
import { DISPLAY_PREFIX_LENGTH, generateApiKey } from "../../src/crypto/api-key-format.ts";

type D1Database = Awaited<ReturnType<Miniflare["getD1Database"]>>;

/** The bench database's one business, which owns every key the bench presents. */
const BENCH_BUSINESS_PUBLIC_ID = "00000000-0000-4000-8000-00000000be01";

export interface BenchTenant {
  /** A live secret key with every permission (the demo `sk_live_…`), used again and again: the warm path. */
  liveKey: string;
  /** Live `sms` keys that no request has presented yet: each one's first request is the cold path. */
  issueFreshKeys(count: number): Promise<string[]>;
}

/**
 * Seeds a verified business owned by `ownerPublicId` and the demo keys into the bench database, with
 * the same SQL the dev seed uses (`scripts/lib/demo-api-keys.ts`).
 */
export async function seedBenchTenant(db: D1Database, ownerPublicId: string): Promise<BenchTenant> {
  const business = sqlString(BENCH_BUSINESS_PUBLIC_ID);
  await db.batch([
    db.prepare(`INSERT INTO businesses (public_id, name, status) VALUES (${business}, 'Bench Co', 'verified')`),
    db.prepare(
      "INSERT INTO business_members (business_id, user_id, role) SELECT b.id, u.id, 'owner' FROM businesses b, users u " +
        `WHERE b.public_id = ${business} AND u.public_id = ${sqlString(ownerPublicId)}`,
    ),
    ...(await demoApiKeySeedStatements(BENCH_BUSINESS_PUBLIC_ID, ownerPublicId)).map((sql) => db.prepare(sql)),
  ]);
  const liveKey = DEMO_API_KEYS.find((key) => key.kind === "secret" && key.mode === "live")?.plaintext;
  if (!liveKey) throw new Error("no live demo key");

  let issued = 0;
  const issueFreshKeys = async (count: number) => {
    const keys = await Promise.all(Array.from({ length: count }, () => generateApiKey("secret", "live")));
    await db.batch(
      keys.map((key) => {
        issued += 1;
        return db.prepare(
          "INSERT INTO api_keys (public_id, business_id, name, kind, mode, permissions, hash, display_prefix) " +
            `SELECT ${sqlString(`key_bench_${issued}`)}, b.id, 'Bench cold key', 'secret', 'live', '["sms"]', ` +
            `${sqlString(key.lookupHash)}, ${sqlString(key.plaintext.slice(0, DISPLAY_PREFIX_LENGTH))} ` +
            `FROM businesses b WHERE b.public_id = ${business}`,
        );
      }),
    );
    return keys.map((key) => key.plaintext);
  };
  return { liveKey, issueFreshKeys };
}
