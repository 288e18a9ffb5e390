import { describe, expect, it } from "vitest";
import type { Deps } from "../../src/services/deps";
import {
  forgetTenantOriginLists,
  ORIGIN_LISTS_CACHE_SECONDS,
  someTenantAllowsOrigin,
  tenantAllowsOrigin,
} from "../../src/services/token-exchange/browser-origins";
import { upsertTenantSettings } from "../../src/storage/tenant-settings";
import { testDeps, untouchable } from "../support/deps";
import { createTenant } from "../support/tenants";

const SECOND = 1000;

describe("which browser origins may call PERS", () => {
  it("a list saved by another isolate takes effect here within the cache bound, without D1 in between", async () => {
    const clock = await testDeps({ persCorsAllowedOrigins: ["https://default.example.com"] });
    const t0 = Date.now();
    const tenant = await createTenant();
    const origin = `https://${crypto.randomUUID()}.example.com`;
    forgetTenantOriginLists();
    expect(await tenantAllowsOrigin(clock.at(t0), tenant.tenantId, origin)).toBe(false);
    expect(await tenantAllowsOrigin(clock.at(t0), tenant.tenantId, "https://default.example.com")).toBe(true);

    // Written straight to D1, as an admin request served by another isolate would.
    const values = { allowJwtForUnauthenticatedUsers: false, enabledAuthTypes: [], adminIdentities: [] };
    await upsertTenantSettings(clock.at(t0).db, tenant.tenantId, { ...values, allowedOrigins: [origin] }, new Date());

    const warm: Deps = { ...clock.at(t0 + (ORIGIN_LISTS_CACHE_SECONDS - 1) * SECOND), db: untouchable("D1") };
    expect(await tenantAllowsOrigin(warm, tenant.tenantId, origin)).toBe(false);
    expect(await someTenantAllowsOrigin(warm, origin)).toBe(false);

    const later = clock.at(t0 + ORIGIN_LISTS_CACHE_SECONDS * SECOND);
    expect(await tenantAllowsOrigin(later, tenant.tenantId, origin)).toBe(true);
    expect(await someTenantAllowsOrigin(later, origin)).toBe(true);
    // Its own list replaces the global default for this tenant, but not for the preflight.
    expect(await tenantAllowsOrigin(later, tenant.tenantId, "https://default.example.com")).toBe(false);
    expect(await someTenantAllowsOrigin(later, "https://default.example.com")).toBe(true);
    forgetTenantOriginLists();
  });
});
