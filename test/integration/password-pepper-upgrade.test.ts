import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashPassword, parsePasswordHash } from "../../src/crypto/passwords";
import { type Pepper, parsePepperList } from "../../src/crypto/peppers";
import { readConfig } from "../../src/env";
import { AppError } from "../../src/errors";
import { authenticatePassword } from "../../src/services/auth/password-login";
import { openDatabase } from "../../src/storage/db";
import { findUserByPublicId, updatePasswordHash, upgradePasswordHash } from "../../src/storage/users";
import { createUser } from "../support/accounts";
import { testDeps } from "../support/deps";

const config = readConfig(env);
const db = openDatabase(env.DB);
const attempt = { client: { ip: "192.0.2.11" }, flow: "token" as const, userType: "user" as const };
const [OLD, NEW] = parsePepperList(`old:${"0f".repeat(32)},new:${"f0".repeat(32)}`) as [Pepper, Pepper];

async function userStoredAs(policy: { peppers?: Pepper[] }) {
  const user = await createUser();
  const hash = await hashPassword(user.password, { iterations: config.pbkdf2Iterations, ...policy });
  await updatePasswordHash(db, user.id, hash, new Date());
  return { user, hash };
}

const storedHashOf = async (publicId: string) => (await findUserByPublicId(db, publicId))?.passwordHash ?? "";

describe("logging in with peppers configured", () => {
  it("upgrades a v1 hash to v2 under the current pepper on success, with one deferred write", async () => {
    const { user, hash } = await userStoredAs({});
    const clock = await testDeps({ passwordPeppers: [NEW, OLD] });
    await authenticatePassword(clock.at(Date.now()), { email: user.email, password: user.password, ...attempt });
    expect(clock.deferredCount()).toBe(1);
    expect(await clock.settle()).toEqual([]);
    const stored = await storedHashOf(user.publicId);
    expect(stored).not.toBe(hash);
    expect(stored).toMatch(/^\$pbkdf2-sha256\$v=2\$/);
    expect(parsePasswordHash(stored)?.pepperId).toBe("new");
  });

  it("re-tags a hash under the previous pepper, which still verifies while listed", async () => {
    const { user } = await userStoredAs({ peppers: [OLD] });
    const clock = await testDeps({ passwordPeppers: [NEW, OLD] });
    await authenticatePassword(clock.at(Date.now()), { email: user.email, password: user.password, ...attempt });
    expect(await clock.settle()).toEqual([]);
    expect(parsePasswordHash(await storedHashOf(user.publicId))?.pepperId).toBe("new");
  });

  it("leaves the stored hash alone on a failed login", async () => {
    const { user, hash } = await userStoredAs({ peppers: [OLD] });
    const clock = await testDeps({ passwordPeppers: [NEW, OLD] });
    await expect(
      authenticatePassword(clock.at(Date.now()), { email: user.email, password: "wrong", ...attempt }),
    ).rejects.toThrow(AppError);
    expect(await clock.settle()).toEqual([]); // only the audit row
    expect(await storedHashOf(user.publicId)).toBe(hash);
  });

  it("refuses the right password once the hash's pepper is no longer configured", async () => {
    const { user } = await userStoredAs({ peppers: [OLD] });
    const clock = await testDeps({ passwordPeppers: [NEW] });
    await expect(
      authenticatePassword(clock.at(Date.now()), { email: user.email, password: user.password, ...attempt }),
    ).rejects.toThrow(AppError);
  });

  it("never undoes a password change that landed between the login's check and its upgrade", async () => {
    const { user, hash: verified } = await userStoredAs({ peppers: [OLD] });
    const changed = await hashPassword("a-password-set-meanwhile", { iterations: config.pbkdf2Iterations });
    await updatePasswordHash(db, user.id, changed, new Date());
    const upgrade = await hashPassword(user.password, { iterations: config.pbkdf2Iterations, peppers: [NEW] });
    await upgradePasswordHash(db, user.id, verified, upgrade, new Date());
    expect(await storedHashOf(user.publicId)).toBe(changed);
  });
});
