import type { Miniflare } from "miniflare";
import { DEMO_API_KEYS, demoApiKeySeedStatements } from "../../scripts/lib/demo-api-keys.ts";
import { demoIdentitySeedStatements } from "../../scripts/lib/demo-identity-provider.ts";
import { sqlString } from "../../scripts/lib/sql.ts";
import { DISPLAY_PREFIX_LENGTH, generateApiKey } from "../../src/crypto/api-key-format.ts";

type D1Database = Awaited<ReturnType<Miniflare["getD1Database"]>>;

/** The bench database's one business, which owns every key the bench presents. */
const BENCH_BUSINESS_PUBLIC_ID = "00000000-0000-4000-8000-00000000be01";
/** Rows per multi-row INSERT when seeding keys (well under SQLite's and D1's statement limits). */
const ROWS_PER_INSERT = 200;

export interface BenchTenant {
  /** A live secret key with every permission (the demo `sk_live_…`), used again and again: the warm path. */
  liveKey: string;
  /** The tenant's live publishable key (its project key for PERS token exchange). */
  projectKey: string;
  /** Live `sms` keys that no request has presented yet: each one's first request is its cold path. */
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
    // The tenant trusts the demo identity provider, so the bench can exchange its tokens for PERS ones.
    ...demoIdentitySeedStatements(BENCH_BUSINESS_PUBLIC_ID).map((sql) => db.prepare(sql)),
  ]);
  const liveKey = DEMO_API_KEYS.find((key) => key.kind === "secret" && key.mode === "live")?.plaintext;
  if (!liveKey) throw new Error("no live demo key");

  const businessRow = await db
    .prepare(`SELECT id FROM businesses WHERE public_id = ${business}`)
    .first<{ id: number }>();
  if (!businessRow) throw new Error("no bench business");
  let issued = 0;
  const issueFreshKeys = async (count: number) => {
    const keys = await Promise.all(Array.from({ length: count }, () => generateApiKey("secret", "live")));
    const rows = keys.map((key) => {
      issued += 1;
      return (
        `(${sqlString(`key_bench_${issued}`)}, ${businessRow.id}, 'Bench key', 'secret', 'live', '["sms"]', ` +
        `${sqlString(key.lookupHash)}, ${sqlString(key.plaintext.slice(0, DISPLAY_PREFIX_LENGTH))})`
      );
    });
    // Many rows per INSERT and many INSERTs per batch: twelve thousand keys seed in about a second.
    const statements = [];
    for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
      statements.push(
        db.prepare(
          "INSERT INTO api_keys (public_id, business_id, name, kind, mode, permissions, hash, display_prefix) VALUES " +
            rows.slice(at, at + ROWS_PER_INSERT).join(", "),
        ),
      );
    }
    if (statements.length > 0) await db.batch(statements);
    return keys.map((key) => key.plaintext);
  };
  const projectKey = DEMO_API_KEYS.find((key) => key.kind === "publishable" && key.mode === "live")?.plaintext;
  if (!projectKey) throw new Error("no live publishable demo key");
  return { liveKey, projectKey, issueFreshKeys };
}
