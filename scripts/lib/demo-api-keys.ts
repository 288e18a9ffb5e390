/**
 * Demo API keys for the demo business — development only. They were generated once with
 * `generateApiKey` and are committed so the README's curl examples work on every fresh clone;
 * nothing but the local dev seed ever inserts them. Never seed them into a deployed database.
 *
 * (Imports here are extensionless so tests can import this file too.)
 */
import { DISPLAY_PREFIX_LENGTH, parseApiKey } from "../../src/crypto/api-key-format";
import type { ApiKeyKind, ApiKeyMode, ApiKeyPermission } from "../../src/domain";
import { sqlString } from "./sql";

/** The demo business and admin of the dev seed (`scripts/lib/demo-data.ts`). */
export const DEMO_BUSINESS_PUBLIC_ID = "00000000-0000-4000-8000-000000000001";
export const DEMO_ADMIN_PUBLIC_ID = "00000000-0000-4000-8000-0000000000a1";

export interface DemoApiKey {
  publicId: string;
  name: string;
  kind: ApiKeyKind;
  mode: ApiKeyMode;
  permissions: ApiKeyPermission[];
  /** Publishable keys: the browser origins the key works from (absent: any). */
  allowedOrigins?: string[];
  plaintext: string;
}

/** The browser origin the demo browser key allows: a local front-end dev server (Vite's port). */
export const DEMO_BROWSER_ORIGIN = "http://localhost:5173";

export const DEMO_API_KEYS: readonly DemoApiKey[] = [
  {
    publicId: "key_demo_sk_test",
    name: "Demo server (test)",
    kind: "secret",
    mode: "test",
    permissions: ["sms", "email"],
    plaintext: "sk_test_LSdwGmPJ8Mbs1gpVsaCkWXUDgucCiTzMn2rSi42",
  },
  {
    publicId: "key_demo_sk_live",
    name: "Demo server (live)",
    kind: "secret",
    mode: "live",
    permissions: ["sms", "email", "whatsapp", "templates", "bulk"],
    plaintext: "sk_live_Q3RPEQJX1EPDRWAGuFbb3umNPe3JmNZXA5eQcor",
  },
  {
    publicId: "key_demo_pk_test",
    name: "Demo project (test)",
    kind: "publishable",
    mode: "test",
    permissions: [],
    plaintext: "pk_test_64nrBHpi2AcRLCRJw6Y7Cw3uEJzRpLX3c2fDhCo",
  },
  {
    publicId: "key_demo_pk_live",
    name: "Demo project (live)",
    kind: "publishable",
    mode: "live",
    permissions: [],
    plaintext: "pk_live_Ehv9GTJV8RwJWcd1iYfaSrPnJCgbUXJeT4NNZnq",
  },
  {
    // The Ping seed's own example sends an SMS with a `pk_live_` key: this one makes it run as written.
    publicId: "key_demo_pk_live_sms",
    name: "Demo browser app (live)",
    kind: "publishable",
    mode: "live",
    permissions: ["sms"],
    allowedOrigins: [DEMO_BROWSER_ORIGIN],
    plaintext: "pk_live_1UnL91GVtc6ry8TF3RNkzwUY6LQbhoQf41XCQGV",
  },
];

/**
 * Idempotent INSERTs of the demo keys for the business with `businessPublicId` (created by the
 * user with `createdByPublicId`, if that user exists). A missing business inserts nothing.
 */
export async function demoApiKeySeedStatements(
  businessPublicId: string = DEMO_BUSINESS_PUBLIC_ID,
  createdByPublicId: string = DEMO_ADMIN_PUBLIC_ID,
): Promise<string[]> {
  return Promise.all(
    DEMO_API_KEYS.map(async (key) => {
      const parsed = await parseApiKey(key.plaintext);
      if (!parsed || parsed.kind !== key.kind || parsed.mode !== key.mode) {
        throw new Error(`demo key ${key.publicId} is not a valid ${key.kind} ${key.mode} key`);
      }
      const values = [
        sqlString(key.publicId),
        "b.id",
        sqlString(key.name),
        sqlString(key.kind),
        sqlString(key.mode),
        sqlString(JSON.stringify(key.permissions)),
        sqlString(key.allowedOrigins ? JSON.stringify(key.allowedOrigins) : null),
        sqlString(parsed.lookupHash),
        sqlString(key.plaintext.slice(0, DISPLAY_PREFIX_LENGTH)),
        `(SELECT id FROM users WHERE public_id = ${sqlString(createdByPublicId)})`,
      ].join(", ");
      return (
        "INSERT INTO api_keys (public_id, business_id, name, kind, mode, permissions, allowed_origins, hash, " +
        "display_prefix, created_by) " +
        `SELECT ${values} FROM businesses b WHERE b.public_id = ${sqlString(businessPublicId)} ` +
        "ON CONFLICT DO NOTHING"
      );
    }),
  );
}
