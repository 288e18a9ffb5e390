import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors";
import { D1_BOOKMARK_HEADER } from "../../src/middleware/d1-bookmark";
import { verifyApiKey } from "../../src/services/api-keys/verification";
import { authenticatePassword } from "../../src/services/auth/password-login";
import type { Deps } from "../../src/services/deps";
import { isD1Bookmark, RequestDatabase } from "../../src/storage/d1-sessions";
import { createUser, uniqueEmail } from "../support/accounts";
import { createKey, sendAs, signedInOwner } from "../support/api-keys";
import { type RecordedD1, readsTable, recordedD1 } from "../support/d1-sessions";
import { testDeps } from "../support/deps";
import { neverIssuedKey } from "../support/gateway-credentials";
import { signedInUser } from "../support/tokens";
import { send, sendJson } from "../support/worker";

const attempt = { client: { ip: "192.0.2.71" }, flow: "token" as const, userType: "user" as const };

/** Real dependencies whose D1 is this request's session over a recorded binding. */
async function depsOver(d1: RecordedD1): Promise<Deps> {
  const deps = (await testDeps()).at(Date.now());
  return { ...deps, db: new RequestDatabase(d1.binding).db };
}

async function refusalOf(work: Promise<unknown>): Promise<AppError> {
  const outcome = await work.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(outcome instanceof AppError)) throw new Error(`expected an AppError, got ${String(outcome)}`);
  return outcome;
}

describe("logging in reads the nearest replica, and the primary before refusing", () => {
  it("an account created a moment ago logs in at once, though the nearest replica has not seen it yet", async () => {
    const user = await createUser();
    const d1 = recordedD1({ replicaLag: true });
    const found = await authenticatePassword(await depsOver(d1), {
      ...attempt,
      email: user.email,
      password: user.password,
    });
    expect(found.user.publicId).toBe(user.publicId);
    expect(d1.starts.slice(0, 2)).toEqual(["first-unconstrained", "first-primary"]);
  });

  it("with the replica up to date, a login reads the replica only", async () => {
    const user = await createUser();
    const d1 = recordedD1();
    await authenticatePassword(await depsOver(d1), { ...attempt, email: user.email, password: user.password });
    expect(d1.starts).toEqual(["first-unconstrained"]);
    expect(d1.queries.filter((query) => readsTable(query, "users"))).toHaveLength(1);
  });

  it("a wrong password, and an unknown email, are refused only after the primary said so too", async () => {
    const user = await createUser();
    for (const email of [user.email, uniqueEmail("nobody")]) {
      const d1 = recordedD1({ replicaLag: true });
      const refusal = await refusalOf(
        authenticatePassword(await depsOver(d1), { ...attempt, email, password: "not-the-password" }),
      );
      expect(refusal.code).toBe("invalid_credentials");
      const userReads = d1.queries.filter((query) => readsTable(query, "users"));
      expect(userReads.map((query) => query.start)).toEqual(["first-unconstrained", "first-primary"]);
    }
  });
});

describe("a cold API key reads the primary only, so a revocation is never held up by replica lag", () => {
  it("a key created a moment ago works at once, and no replica is asked", async () => {
    const owner = await signedInOwner();
    const { key, api_key } = await createKey(owner);
    const d1 = recordedD1({ replicaLag: true });
    const record = await verifyApiKey(await depsOver(d1), key);
    expect(record.publicId).toBe(api_key.id);
    expect(d1.starts).toEqual(["first-primary"]);
  });

  it("a key revoked a moment ago is refused at once at an isolate that never saw it", async () => {
    const owner = await signedInOwner();
    const { key, api_key } = await createKey(owner);
    const revoked = await sendAs(owner, "DELETE", `/v1/api-keys/${api_key.id}`);
    expect(revoked.status).toBe(200);
    const d1 = recordedD1({ replicaLag: true });
    const refusal = await refusalOf(verifyApiKey(await depsOver(d1), key));
    expect(refusal.options.reason).toBe("revoked");
    expect(d1.starts).toEqual(["first-primary"]);
  });

  it("a key no one issued is refused (not_found) by the primary", async () => {
    const d1 = recordedD1({ replicaLag: true });
    const refusal = await refusalOf(verifyApiKey(await depsOver(d1), await neverIssuedKey()));
    expect(refusal.options.reason).toBe("not_found");
    expect(d1.starts).toEqual(["first-primary"]);
  });

  it("through the gateway: the cold request reads the primary, the warm one starts no D1 session at all", async () => {
    const owner = await signedInOwner();
    const { key } = await createKey(owner, { mode: "live" });
    const cold = recordedD1();
    const first = await send(
      "/v1/notification/api/sms/send",
      { headers: { "X-Ping-Api-Key": key } },
      { DB: cold.binding },
    );
    expect(first.status).toBe(200);
    expect(cold.starts[0]).toBe("first-primary");
    // A forwarded response passes back untouched: no bookmark header is added to it.
    expect(first.headers.get(D1_BOOKMARK_HEADER)).toBeNull();

    const warm = recordedD1();
    const second = await send(
      "/v1/notification/api/sms/send",
      { headers: { "X-Ping-Api-Key": key } },
      { DB: warm.binding },
    );
    expect(second.status).toBe(200);
    expect(warm.starts).toEqual([]);
    expect(warm.directQueries).toBe(0);
  });
});

describe("the session each path starts", () => {
  it("register writes, and reads, on the primary", async () => {
    const d1 = recordedD1();
    const res = await sendJson(
      "/v1/auth/register",
      "POST",
      { email: uniqueEmail("primary"), password: "secure_password", name: "Pri Mary" },
      {},
      { DB: d1.binding },
    );
    expect(res.status).toBe(201);
    expect(d1.starts[0]).toBe("first-primary");
  });

  it("a token login starts on the nearest replica", async () => {
    const user = await createUser();
    const d1 = recordedD1();
    const res = await sendJson(
      "/v1/auth/login",
      "POST",
      { email: user.email, password: user.password },
      { "User-Type": "user" },
      { DB: d1.binding },
    );
    expect(res.status).toBe(200);
    expect(d1.starts[0]).toBe("first-unconstrained");
  });
});

describe("bookmarks for management clients (Gatehouse-D1-Bookmark)", () => {
  it("a write answers its bookmark; an admin read sent with it starts from it and sees the write", async () => {
    const owner = await signedInOwner();
    const admin = await signedInUser("adminuser");
    const write = recordedD1();
    const created = await sendJson(
      "/v1/api-keys",
      "POST",
      { business_id: owner.businessPublicId, name: "Bookmarked", kind: "secret", mode: "test", permissions: ["sms"] },
      owner.headers,
      { DB: write.binding },
    );
    expect(created.status).toBe(201);
    expect(write.starts[0]).toBe("first-primary");
    const bookmark = created.headers.get(D1_BOOKMARK_HEADER) ?? "";
    expect(isD1Bookmark(bookmark)).toBe(true);
    const { api_key } = await created.json<{ api_key: { id: string } }>();

    const read = recordedD1();
    const listed = await send(
      `/v1/admin/api-keys?business_id=${owner.businessPublicId}`,
      { headers: { ...admin.headers, [D1_BOOKMARK_HEADER]: bookmark } },
      { DB: read.binding },
    );
    expect(listed.status).toBe(200);
    expect(read.starts).toEqual([bookmark]);
    const { api_keys } = await listed.json<{ api_keys: { id: string }[] }>();
    expect(api_keys.map((k) => k.id)).toContain(api_key.id);
    expect(isD1Bookmark(listed.headers.get(D1_BOOKMARK_HEADER) ?? "")).toBe(true);
  });

  it("an admin read without a bookmark starts on the nearest replica", async () => {
    const owner = await signedInOwner();
    const admin = await signedInUser("adminuser");
    const d1 = recordedD1();
    const listed = await send(
      `/v1/admin/api-keys?business_id=${owner.businessPublicId}`,
      { headers: admin.headers },
      { DB: d1.binding },
    );
    expect(listed.status).toBe(200);
    expect(d1.starts[0]).toBe("first-unconstrained");
  });

  // A lagging replica here knows nothing at all: a member's read answered from one would be a 404.
  it.each([
    ["the business's keys", (business: string) => `/v1/api-keys?business_id=${business}`],
    ["the business's members", (business: string) => `/v1/businesses/${business}/members`],
  ])("a member's read of %s checks the membership on the primary, with or without a bookmark", async (_, path) => {
    const owner = await signedInOwner();
    const write = await sendJson(
      "/v1/api-keys",
      "POST",
      { business_id: owner.businessPublicId, name: "Bookmarked", kind: "secret", mode: "test", permissions: ["sms"] },
      owner.headers,
    );
    const bookmark = write.headers.get(D1_BOOKMARK_HEADER) ?? "";
    for (const headers of [owner.headers, { ...owner.headers, [D1_BOOKMARK_HEADER]: bookmark }]) {
      const d1 = recordedD1({ replicaLag: true });
      const listed = await send(path(owner.businessPublicId), { headers }, { DB: d1.binding });
      expect(listed.status, await listed.clone().text()).toBe(200);
      expect(d1.starts).toEqual(["first-primary"]);
      const membershipReads = d1.queries.filter((query) => readsTable(query, "users"));
      expect(membershipReads.length).toBeGreaterThan(0);
      expect(membershipReads.every((query) => query.start === "first-primary")).toBe(true);
    }
  });

  it.each(["garbage", "first-primary", "00000085-0000024c-00004c6d"])(
    "a malformed bookmark (%j) is a 400 in the Ping dialect, before D1 is touched",
    async (bad) => {
      const owner = await signedInOwner();
      const d1 = recordedD1();
      const res = await send(
        `/v1/api-keys?business_id=${owner.businessPublicId}`,
        { headers: { ...owner.headers, [D1_BOOKMARK_HEADER]: bad } },
        { DB: d1.binding },
      );
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        result: "error",
        message: `${D1_BOOKMARK_HEADER} must be a bookmark this API returned.`,
        code: "invalid_request",
      });
      expect(d1.starts).toEqual([]);
      expect(d1.directQueries).toBe(0);
    },
  );

  it("a browser on an allowed origin may send the bookmark and read it back (CORS)", async () => {
    const origin = "https://dashboard.example.com";
    const preflight = await send("/v1/api-keys", {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, user-type, gatehouse-d1-bookmark",
      },
    });
    expect(preflight.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("gatehouse-d1-bookmark");

    const owner = await signedInOwner();
    const listed = await send(`/v1/api-keys?business_id=${owner.businessPublicId}`, {
      headers: { ...owner.headers, Origin: origin },
    });
    expect(listed.status).toBe(200);
    expect(listed.headers.get("Access-Control-Expose-Headers")).toContain(D1_BOOKMARK_HEADER);
  });
});
