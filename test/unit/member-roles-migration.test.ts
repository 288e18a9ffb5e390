import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createUser } from "../support/accounts";
import { createBusiness } from "../support/tenants";

/**
 * Replays migration 0006 on a copy of the old `business_members` table (its name swapped for a
 * scratch one), so the rows it migrates are rows written the way the code before roles wrote them.
 */
function onScratchTable(queries: string[], scratch: string): string[] {
  return queries.map((query) => query.replaceAll("business_members", scratch));
}

function queriesOf(name: string): string[] {
  const migration = env.TEST_MIGRATIONS.find((m) => m.name === name);
  if (!migration) throw new Error(`no migration ${name}`);
  return migration.queries;
}

describe("migration 0006: member roles", () => {
  it("every member of before becomes an admin, owners stay owners, and new rows default to developer", async () => {
    const scratch = `bm_probe_${crypto.randomUUID().replaceAll("-", "")}`;
    const oldTable = queriesOf("0000_init.sql").filter((q) => /CREATE (TABLE|INDEX) `business_members/.test(q));
    expect(oldTable).toHaveLength(2);
    for (const query of onScratchTable(oldTable, scratch)) await env.DB.prepare(query).run();

    const business = await createBusiness("Migration Co", new Date());
    const [owner, member, newcomer] = await Promise.all([createUser(), createUser(), createUser()]);
    await env.DB.prepare(`INSERT INTO ${scratch} (business_id, user_id, role) VALUES (?, ?, 'owner'), (?, ?, ?)`)
      .bind(business.id, owner.id, business.id, member.id, "member")
      .run();
    const memberDefault = await env.DB.prepare(
      `INSERT INTO ${scratch} (business_id, user_id) VALUES (?, ?) RETURNING role`,
    )
      .bind(business.id, newcomer.id)
      .first<{ role: string }>();
    expect(memberDefault?.role).toBe("member");

    for (const query of onScratchTable(queriesOf("0006_member_roles.sql"), scratch)) await env.DB.prepare(query).run();

    const { results } = await env.DB.prepare(`SELECT user_id, role FROM ${scratch} ORDER BY user_id`).all<{
      user_id: number;
      role: string;
    }>();
    expect(results).toEqual([
      { user_id: owner.id, role: "owner" },
      { user_id: member.id, role: "admin" },
      { user_id: newcomer.id, role: "admin" },
    ]);
    const later = await createUser();
    const fresh = await env.DB.prepare(`INSERT INTO ${scratch} (business_id, user_id) VALUES (?, ?) RETURNING role`)
      .bind(business.id, later.id)
      .first<{ role: string }>();
    expect(fresh?.role).toBe("developer");
    await env.DB.prepare(`DROP TABLE ${scratch}`).run();
  });
});
