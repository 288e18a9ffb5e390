import { z } from "@hono/zod-openapi";
import { actorOf } from "../http/client-info";
import { pingError, pingUnavailable } from "../http/openapi-errors";
import { createSurface } from "../http/router";
import {
  identityProviderInputSchema,
  identityProviderSchema,
  providerPathSchema,
  providerView,
  settingsValuesOf,
  settingsView,
  tenantPathSchema,
  tenantSettingsInputSchema,
  tenantSettingsPatchSchema,
  tenantSettingsSchema,
  tenantUserPathSchema,
} from "../http/schemas/admin-identity";
import { adminOnly } from "../middleware/authenticate";
import { jsonBody } from "../middleware/json-body";
import { requireBusiness } from "../services/admin/businesses";
import {
  createIdentityProvider,
  listIdentityProviders,
  removeIdentityProvider,
  updateIdentityProvider,
} from "../services/admin/identity-providers";
import { ORIGIN_LISTS_CACHE_SECONDS } from "../services/token-exchange/browser-origins";
import { revokeTenantUserSessions } from "../services/token-exchange/pers-revocation";
import {
  changeTenantSettings,
  loadTenantSettings,
  replaceTenantSettings,
} from "../services/token-exchange/tenant-settings";

const { router, route } = createSurface("ping");

/**
 * `/v1/admin/tenants/{tenantId}/…`: which identity providers a tenant trusts for PERS token
 * exchange, and its exchange settings. Admin users only.
 */

const tags = ["Admin: tenant identity"];
const security = [{ bearer: [] }];

const commonErrors = {
  400: pingError("Invalid input"),
  401: pingError("Missing or invalid admin token"),
  403: pingError("Not an admin user"),
  404: pingError("No such tenant or provider"),
  503: pingUnavailable,
};

const settingsResponse = z.object({ result: z.literal("success"), settings: tenantSettingsSchema });
const providerResponse = z.object({ result: z.literal("success"), identityProvider: identityProviderSchema });
const providerListResponse = z.object({
  result: z.literal("success"),
  identityProviders: z.array(identityProviderSchema),
});

const getSettingsRoute = route({
  method: "get",
  path: "/v1/admin/tenants/{tenantId}/settings",
  tags,
  summary: "A tenant's token-exchange settings",
  security,
  middleware: [adminOnly] as const,
  request: { params: tenantPathSchema },
  responses: {
    200: {
      description: "The settings (defaults if never saved)",
      content: { "application/json": { schema: settingsResponse } },
    },
    ...commonErrors,
  },
});

const putSettingsRoute = route({
  method: "put",
  path: "/v1/admin/tenants/{tenantId}/settings",
  tags,
  summary: "Replace a tenant's token-exchange settings",
  description:
    "Replaces every field: each one is required (400 naming the first missing one), so `{}` changes nothing. " +
    "Use PATCH to change some. The change is audited (`tenant_settings.update`). `allowedOrigins` governs CORS on " +
    `/v2/*: it takes effect at once in the isolate that saved it and within ${ORIGIN_LISTS_CACHE_SECONDS} s everywhere else.`,
  security,
  middleware: [adminOnly, jsonBody] as const,
  request: {
    params: tenantPathSchema,
    body: { required: true, content: { "application/json": { schema: tenantSettingsInputSchema } } },
  },
  responses: {
    200: { description: "The saved settings", content: { "application/json": { schema: settingsResponse } } },
    ...commonErrors,
  },
});

const patchSettingsRoute = route({
  method: "patch",
  path: "/v1/admin/tenants/{tenantId}/settings",
  tags,
  summary: "Change some of a tenant's token-exchange settings",
  description:
    "Changes only the fields given (at least one); the others keep their saved value (or default). Unknown " +
    "fields are refused. The change is audited (`tenant_settings.update`).",
  security,
  middleware: [adminOnly, jsonBody] as const,
  request: {
    params: tenantPathSchema,
    body: { required: true, content: { "application/json": { schema: tenantSettingsPatchSchema } } },
  },
  responses: {
    200: { description: "The saved settings", content: { "application/json": { schema: settingsResponse } } },
    ...commonErrors,
  },
});

const listProvidersRoute = route({
  method: "get",
  path: "/v1/admin/tenants/{tenantId}/identity-providers",
  tags,
  summary: "The identity providers a tenant trusts",
  security,
  middleware: [adminOnly] as const,
  request: { params: tenantPathSchema },
  responses: {
    200: { description: "Providers", content: { "application/json": { schema: providerListResponse } } },
    ...commonErrors,
  },
});

const createProviderRoute = route({
  method: "post",
  path: "/v1/admin/tenants/{tenantId}/identity-providers",
  tags,
  summary: "Trust a new identity provider",
  security,
  middleware: [adminOnly, jsonBody] as const,
  request: {
    params: tenantPathSchema,
    body: { required: true, content: { "application/json": { schema: identityProviderInputSchema } } },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: providerResponse } } },
    ...commonErrors,
    409: pingError("The tenant already has a provider with this issuer"),
  },
});

const updateProviderRoute = route({
  method: "put",
  path: "/v1/admin/tenants/{tenantId}/identity-providers/{providerId}",
  tags,
  summary: "Replace an identity provider's configuration",
  security,
  middleware: [adminOnly, jsonBody] as const,
  request: {
    params: providerPathSchema,
    body: { required: true, content: { "application/json": { schema: identityProviderInputSchema } } },
  },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: providerResponse } } },
    ...commonErrors,
    409: pingError("Another provider of the tenant has this issuer"),
  },
});

const deleteProviderRoute = route({
  method: "delete",
  path: "/v1/admin/tenants/{tenantId}/identity-providers/{providerId}",
  tags,
  summary: "Stop trusting an identity provider",
  description: "Sessions already exchanged stay valid until they expire or are revoked.",
  security,
  middleware: [adminOnly] as const,
  request: { params: providerPathSchema },
  responses: { 204: { description: "Deleted" }, ...commonErrors },
});

const revokeUserSessionsRoute = route({
  method: "delete",
  path: "/v1/admin/tenants/{tenantId}/users/{userId}/sessions",
  tags,
  summary: "End every PERS session of a tenant user",
  description:
    "Revokes every refresh-token family of the user: refreshes are refused at once, and the families' access tokens stop at the gateway within about a minute. Audited as `pers_session.revoke`.",
  security,
  middleware: [adminOnly] as const,
  request: { params: tenantUserPathSchema },
  responses: { 204: { description: "Revoked" }, ...commonErrors, 404: pingError("No such tenant or tenant user") },
});

export const adminIdentityRoutes = router
  .openapi(getSettingsRoute, async (c) => {
    const tenant = await requireBusiness(c.get("deps"), c.req.valid("param").tenantId);
    const settings = await loadTenantSettings(c.get("deps"), tenant.id);
    return c.json({ result: "success" as const, settings: settingsView(tenant.publicId, settings) }, 200);
  })
  .openapi(putSettingsRoute, async (c) => {
    const tenant = await requireBusiness(c.get("deps"), c.req.valid("param").tenantId);
    const values = settingsValuesOf(c.req.valid("json"));
    const settings = await replaceTenantSettings(c.get("deps"), actorOf(c), tenant, values);
    return c.json({ result: "success" as const, settings: settingsView(tenant.publicId, settings) }, 200);
  })
  .openapi(patchSettingsRoute, async (c) => {
    const tenant = await requireBusiness(c.get("deps"), c.req.valid("param").tenantId);
    const changes = settingsValuesOf(c.req.valid("json"));
    const settings = await changeTenantSettings(c.get("deps"), actorOf(c), tenant, changes);
    return c.json({ result: "success" as const, settings: settingsView(tenant.publicId, settings) }, 200);
  })
  .openapi(listProvidersRoute, async (c) => {
    const tenant = await requireBusiness(c.get("deps"), c.req.valid("param").tenantId);
    const rows = await listIdentityProviders(c.get("deps"), tenant.id);
    return c.json({ result: "success" as const, identityProviders: rows.map(providerView) }, 200);
  })
  .openapi(createProviderRoute, async (c) => {
    const tenant = await requireBusiness(c.get("deps"), c.req.valid("param").tenantId);
    const row = await createIdentityProvider(c.get("deps"), actorOf(c), tenant, c.req.valid("json"));
    return c.json({ result: "success" as const, identityProvider: providerView(row) }, 201);
  })
  .openapi(updateProviderRoute, async (c) => {
    const { tenantId, providerId } = c.req.valid("param");
    const tenant = await requireBusiness(c.get("deps"), tenantId);
    const row = await updateIdentityProvider(c.get("deps"), actorOf(c), tenant, providerId, c.req.valid("json"));
    return c.json({ result: "success" as const, identityProvider: providerView(row) }, 200);
  })
  .openapi(deleteProviderRoute, async (c) => {
    const { tenantId, providerId } = c.req.valid("param");
    const tenant = await requireBusiness(c.get("deps"), tenantId);
    await removeIdentityProvider(c.get("deps"), actorOf(c), tenant, providerId);
    return c.body(null, 204);
  })
  .openapi(revokeUserSessionsRoute, async (c) => {
    const { tenantId, userId } = c.req.valid("param");
    const tenant = await requireBusiness(c.get("deps"), tenantId);
    await revokeTenantUserSessions(c.get("deps"), actorOf(c), tenant, userId);
    return c.body(null, 204);
  });
