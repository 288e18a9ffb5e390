import { beforeEach, describe, expect, it } from "vitest";
import { refreshPersSession } from "../../src/services/token-exchange/pers-sessions";
import { type TestDeps, testDeps } from "../support/deps";
import { claimsOf, familyRows } from "../support/pers";
import { persSessionAt } from "../support/pers-session";

let clock: TestDeps;
beforeEach(async () => {
  clock = await testDeps();
});

async function sessionAt(now: Date) {
  const { tenant, pair } = await persSessionAt(clock.at(now));
  return { tenant, pair };
}

describe("PERS refresh grace window (PERS_REFRESH_REUSE_GRACE_SECONDS = 10)", () => {
  const start = new Date(Date.now() - 60_000);
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);

  it("a rotated token presented again 9 s later gets the same child", async () => {
    const { tenant, pair } = await sessionAt(start);
    const child = await refreshPersSession(clock.at(at(0)), tenant, pair.refreshToken);
    const again = await refreshPersSession(clock.at(at(9)), tenant, pair.refreshToken);
    expect(claimsOf(again.refreshToken).jti).toBe(claimsOf(child.refreshToken).jti);
  });

  it("the same token presented 11 s later is reuse: the family is revoked", async () => {
    const { tenant, pair } = await sessionAt(start);
    const child = await refreshPersSession(clock.at(at(0)), tenant, pair.refreshToken);
    await expect(refreshPersSession(clock.at(at(11)), tenant, pair.refreshToken)).rejects.toMatchObject({
      code: "invalid_token",
      options: { reason: "reused" },
    });
    const rows = await familyRows(claimsOf(pair.refreshToken).family_id);
    expect(rows.map((row) => row.status)).toEqual(["revoked", "revoked"]);
    await expect(refreshPersSession(clock.at(at(12)), tenant, child.refreshToken)).rejects.toMatchObject({
      options: { reason: "revoked" },
    });
  });
});
