import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { kvKeys } from "../../src/storage/keys";
import { claimsOf, familyRows, refresh, type TokenPair, tenantFootprint, typOf, verify } from "../support/pers";
import { startedSession } from "../support/pers-session";
import { createTenant } from "../support/tenants";
import { sendJson } from "../support/worker";

async function refreshed(res: Response) {
  const body = (await res.json()) as TokenPair & { error?: string; reason?: string };
  return { status: res.status, body };
}

function statuses(rows: Awaited<ReturnType<typeof familyRows>>) {
  return rows.map((row) => row.status).sort();
}

describe("PERS refresh", () => {
  it("rotates: a new access and refresh token, the old refresh token marked rotated", async () => {
    const { tenant, pair } = await startedSession();
    const { status, body } = await refreshed(await refresh(tenant, pair.refreshToken));
    expect(status, JSON.stringify(body)).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["accessToken", "refreshToken"]);
    expect(typOf(body.accessToken)).toBe("pers-at+jwt");
    const before = claimsOf(pair.refreshToken);
    const after = claimsOf(body.refreshToken);
    expect(after.jti).not.toBe(before.jti);
    expect(after.family_id).toBe(before.family_id);
    expect(after.sub).toBe(before.sub);
    const rows = await familyRows(before.family_id);
    expect(rows.find((row) => row.id === before.jti)).toMatchObject({ status: "rotated", replacedBy: after.jti });
    expect(rows.find((row) => row.id === after.jti)).toMatchObject({ status: "active", authType: "user" });
    // The new refresh token rotates in turn.
    expect((await refresh(tenant, body.refreshToken)).status).toBe(200);
  });

  it("accepts the project key in either header, or both when they agree", async () => {
    const { tenant, pair } = await startedSession();
    const res = await sendJson(
      "/v2/auth/refresh",
      "POST",
      { refreshToken: pair.refreshToken },
      { "x-api-key": tenant.projectKey, "x-project-key": tenant.projectKey },
    );
    expect(res.status).toBe(200);
  });

  it("reuse of a rotated refresh token after the grace window revokes the whole family", async () => {
    const { tenant, pair } = await startedSession();
    const family = claimsOf(pair.refreshToken).family_id;
    const second = (await (await refresh(tenant, pair.refreshToken)).json()) as TokenPair;
    const third = (await (await refresh(tenant, second.refreshToken)).json()) as TokenPair;
    // `third` is used as well, so `second`'s child is no longer unused: a replay, not the grace case.
    const fourth = (await (await refresh(tenant, third.refreshToken)).json()) as TokenPair;

    const replay = await refreshed(await refresh(tenant, second.refreshToken));
    expect(replay).toMatchObject({ status: 401, body: { error: "invalid_token", reason: "reused" } });
    expect(statuses(await familyRows(family))).toEqual(["revoked", "revoked", "revoked", "revoked"]);
    expect(await env.KV.get(kvKeys.persFamily(family), "json")).toMatchObject({ status: "revoked" });

    // Every token of the family is dead now: the newest refresh token and the access tokens.
    expect(await refreshed(await refresh(tenant, fourth.refreshToken))).toMatchObject({ status: 401 });
    const verdict = (await (await verify(tenant, fourth.accessToken)).json()) as { valid: boolean; reason: string };
    expect(verdict).toMatchObject({ valid: false, reason: "revoked" });
  });

  it("within the grace window, a rotated token gets the same child again (a client that lost the answer)", async () => {
    const { tenant, pair } = await startedSession();
    const first = (await (await refresh(tenant, pair.refreshToken)).json()) as TokenPair;
    const again = await refreshed(await refresh(tenant, pair.refreshToken));
    expect(again.status).toBe(200);
    expect(claimsOf(again.body.refreshToken).jti).toBe(claimsOf(first.refreshToken).jti);
    const family = claimsOf(pair.refreshToken).family_id;
    expect(statuses(await familyRows(family))).toEqual(["active", "rotated"]);
  });

  it("concurrent refreshes of one token never fork the family into two live chains", async () => {
    const { tenant, pair } = await startedSession();
    const family = claimsOf(pair.refreshToken).family_id;
    const results = await Promise.all(
      Array.from({ length: 6 }, async () => refreshed(await refresh(tenant, pair.refreshToken))),
    );
    expect(results.map((result) => result.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const jtis = new Set(results.map((result) => claimsOf(result.body.refreshToken).jti));
    expect(jtis.size).toBe(1);
    const rows = await familyRows(family);
    const active = rows.filter((row) => row.status === "active");
    expect(active.map((row) => row.id)).toEqual([...jtis]);
    expect(rows).toHaveLength(2);
    // The one chain continues.
    const [child] = results;
    expect((await refresh(tenant, child?.body.refreshToken as string)).status).toBe(200);
  });

  it("an access token is refused as a refresh token, and nothing changes", async () => {
    const { tenant, pair } = await startedSession();
    const before = await tenantFootprint(tenant);
    expect(await refreshed(await refresh(tenant, pair.accessToken))).toMatchObject({
      status: 401,
      body: { error: "invalid_token" },
    });
    expect(await tenantFootprint(tenant)).toEqual(before);
    expect(statuses(await familyRows(claimsOf(pair.refreshToken).family_id))).toEqual(["active"]);
  });

  it("a refresh token of tenant A is refused at tenant B, and nothing changes", async () => {
    const { tenant, pair } = await startedSession();
    const other = await createTenant();
    expect((await refresh(other, pair.refreshToken)).status).toBe(401);
    expect(statuses(await familyRows(claimsOf(pair.refreshToken).family_id))).toEqual(["active"]);
    expect((await refresh(tenant, pair.refreshToken)).status).toBe(200);
  });

  it("tampered, malformed and foreign refresh tokens are refused, and nothing changes", async () => {
    const { tenant, pair } = await startedSession();
    const [header, payload, signature] = pair.refreshToken.split(".");
    const flipped = `${signature?.slice(0, -4)}${signature?.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    const bad = [`${header}.${payload}.${flipped}`, `${header}.${payload}`, "garbage", `${pair.refreshToken}x`];
    for (const token of bad) expect((await refresh(tenant, token)).status, token.slice(-10)).toBe(401);
    expect((await refresh(tenant, "x".repeat(5000))).status).toBe(400);
    expect(statuses(await familyRows(claimsOf(pair.refreshToken).family_id))).toEqual(["active"]);
  });

  it("a revoked family's refresh token is refused", async () => {
    const { tenant, pair } = await startedSession();
    const family = claimsOf(pair.refreshToken).family_id;
    const next = (await (await refresh(tenant, pair.refreshToken)).json()) as TokenPair;
    await refresh(tenant, next.refreshToken);
    await refresh(tenant, pair.refreshToken); // reuse outside grace (its child is used): revokes
    const verdict = await refreshed(await refresh(tenant, next.refreshToken));
    expect(verdict).toMatchObject({ status: 401, body: { reason: "revoked" } });
    expect(statuses(await familyRows(family)).every((status) => status === "revoked")).toBe(true);
  });
});
