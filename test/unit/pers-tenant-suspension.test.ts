import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { authenticatePersAccessToken } from "../../src/services/token-exchange/pers-sessions";
import { recordTenantSuspension, suspensionMarkSeconds } from "../../src/services/token-exchange/tenant-suspensions";
import { kvKeys } from "../../src/storage/keys";
import { type TestDeps, testDeps } from "../support/deps";
import { persSessionAt } from "../support/pers-session";

// Now, not in the past: KV refuses an expiry that is already over by the real clock.
const start = new Date(Date.now() - 60_000);
const at = (ms: number) => new Date(start.getTime() + ms);

let clock: TestDeps;
beforeEach(async () => {
  clock = await testDeps();
});

const suspendedRefusal = {
  code: "session_revoked",
  options: { reason: "tenant_suspended", challenge: "bearer" },
};

/** What another isolate's status change leaves in KV, without touching this isolate's cache. */
async function markElsewhere(tenantPublicId: string, suspended: boolean): Promise<void> {
  const key = kvKeys.tenantSuspension(tenantPublicId);
  if (suspended) await env.KV.put(key, JSON.stringify({ at: start.getTime() }));
  else await env.KV.delete(key);
}

describe("a PERS access token of a suspended tenant", () => {
  it("is refused at once in the isolate that suspended it, and accepted again once reinstated", async () => {
    const { tenant, pair } = await persSessionAt(clock.at(start));
    const token = pair.accessToken;
    await expect(authenticatePersAccessToken(clock.at(at(1_000)), token)).resolves.toMatchObject({
      tenantId: tenant.tenantPublicId,
    });

    await recordTenantSuspension(clock.at(at(2_000)), tenant.tenantPublicId, true);
    expect(await env.KV.get(kvKeys.tenantSuspension(tenant.tenantPublicId))).not.toBeNull();
    await expect(authenticatePersAccessToken(clock.at(at(2_000)), token)).rejects.toMatchObject(suspendedRefusal);

    await recordTenantSuspension(clock.at(at(3_000)), tenant.tenantPublicId, false);
    expect(await env.KV.get(kvKeys.tenantSuspension(tenant.tenantPublicId))).toBeNull();
    await expect(authenticatePersAccessToken(clock.at(at(3_000)), token)).resolves.toMatchObject({
      tenantId: tenant.tenantPublicId,
    });
  });

  it("suspended elsewhere: refused once this isolate's cached answer is older than the liveness bound", async () => {
    const { tenant, pair } = await persSessionAt(clock.at(start));
    const token = pair.accessToken;
    const boundMs = clock.at(start).config.sessionLivenessCacheSeconds * 1000;
    expect(boundMs).toBeGreaterThan(0);
    await authenticatePersAccessToken(clock.at(at(1_000)), token);

    await markElsewhere(tenant.tenantPublicId, true);
    // Within the bound the cached answer stands (no KV read on a warm request)…
    await expect(authenticatePersAccessToken(clock.at(at(1_000 + boundMs - 1)), token)).resolves.toBeDefined();
    // …and past it the mark is read.
    await expect(authenticatePersAccessToken(clock.at(at(1_000 + boundMs)), token)).rejects.toMatchObject(
      suspendedRefusal,
    );

    await markElsewhere(tenant.tenantPublicId, false);
    await expect(authenticatePersAccessToken(clock.at(at(1_000 + 2 * boundMs)), token)).resolves.toMatchObject({
      tenantId: tenant.tenantPublicId,
    });
  });

  it("a tenant's suspension leaves other tenants' tokens alone", async () => {
    const suspended = await persSessionAt(clock.at(start), "Suspended");
    const other = await persSessionAt(clock.at(start), "Other");
    await recordTenantSuspension(clock.at(at(1_000)), suspended.tenant.tenantPublicId, true);
    await expect(authenticatePersAccessToken(clock.at(at(1_000)), suspended.pair.accessToken)).rejects.toMatchObject(
      suspendedRefusal,
    );
    await expect(authenticatePersAccessToken(clock.at(at(1_000)), other.pair.accessToken)).resolves.toMatchObject({
      tenantId: other.tenant.tenantPublicId,
    });
  });

  // The admin's request takes its time at its start, so the gateway's read may begin after it,
  // during its writes.
  it.each([
    { when: "the read began with the change's request", readAt: 1_000 },
    { when: "the read began after the change's request", readAt: 1_500 },
  ])(
    "a read that saw the tenant active but lands after this isolate suspended it is not remembered: $when",
    async ({ readAt }) => {
      const { tenant, pair } = await persSessionAt(clock.at(start));
      const late = lateKv();
      const reading = authenticatePersAccessToken({ ...clock.at(at(readAt)), kv: late.kv }, pair.accessToken);
      await late.read;
      await recordTenantSuspension(clock.at(at(1_000)), tenant.tenantPublicId, true);
      late.deliver();
      await expect(reading).rejects.toMatchObject(suspendedRefusal);
      await expect(authenticatePersAccessToken(clock.at(at(2_000)), pair.accessToken)).rejects.toMatchObject(
        suspendedRefusal,
      );
    },
  );

  it("a reinstatement during a read that saw the mark is not undone by that read", async () => {
    const { tenant, pair } = await persSessionAt(clock.at(start));
    await markElsewhere(tenant.tenantPublicId, true);
    const late = lateKv();
    const reading = authenticatePersAccessToken({ ...clock.at(at(1_500)), kv: late.kv }, pair.accessToken);
    await late.read;
    await recordTenantSuspension(clock.at(at(1_000)), tenant.tenantPublicId, false);
    late.deliver();
    await expect(reading).resolves.toMatchObject({ tenantId: tenant.tenantPublicId });
    await expect(authenticatePersAccessToken(clock.at(at(2_000)), pair.accessToken)).resolves.toMatchObject({
      tenantId: tenant.tenantPublicId,
    });
  });

  it("the mark expires once every token issued before the suspension has, so a stale one heals", async () => {
    const { tenant } = await persSessionAt(clock.at(start));
    const deps = clock.at(at(1_000));
    const before = Math.floor(Date.now() / 1000);
    await recordTenantSuspension(deps, tenant.tenantPublicId, true);
    const { keys } = await env.KV.list({ prefix: kvKeys.tenantSuspension(tenant.tenantPublicId) });
    expect(keys).toHaveLength(1);
    const lifetime = suspensionMarkSeconds(deps.config.persAccessTokenTtlSeconds);
    expect(lifetime).toBeGreaterThan(deps.config.persAccessTokenTtlSeconds);
    expect(keys[0]?.expiration).toBeGreaterThanOrEqual(before + lifetime);
    expect(keys[0]?.expiration).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + lifetime + 1);
  });
});

/**
 * The real KV, whose reads of a tenant's mark answer what they found only when `deliver` is
 * called: a read that saw the state before a change and arrives after it. `read` settles once the
 * mark was read.
 */
function lateKv() {
  let deliver = () => {};
  const delivered = new Promise<void>((resolve) => {
    deliver = resolve;
  });
  let readMade = () => {};
  const read = new Promise<void>((resolve) => {
    readMade = resolve;
  });
  const kv = new Proxy(env.KV, {
    get(target, property) {
      if (property === "get") {
        return async (...args: Parameters<KVNamespace["get"]>) => {
          const found = await (target.get as (...a: unknown[]) => Promise<unknown>)(...args);
          if (!String(args[0]).startsWith(kvKeys.tenantSuspension(""))) return found;
          readMade();
          await delivered;
          return found;
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv, read, deliver };
}
