import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import type { UserType } from "../../src/domain";
import { openDatabase } from "../../src/storage/db";
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
