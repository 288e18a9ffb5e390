import type { Context } from "hono";
import { Hono } from "hono";
import { identityProviderInputSchema, tenantSettingsInputSchema } from "../../http/schemas/admin-identity";
import { requireBusiness } from "../../services/admin/businesses";
import {
  createIdentityProvider,
  listIdentityProviders,
  removeIdentityProvider,
} from "../../services/admin/identity-providers";
import { loadTenantSettings, replaceTenantSettings } from "../../services/token-exchange/tenant-settings";
import type { DashboardEnv } from "../context";
import { type FieldErrors, fieldErrorsOf, formErrorOf } from "../field-errors";
import { noticeOf } from "../notices";
import { renderPage } from "../render";
import { Confirmation } from "../views/confirm";
import { Notice } from "../views/forms";
import {
  EMPTY_PROVIDER,
  ProviderForm,
  ProviderTable,
  type ProviderValues,
  SettingsForm,
  type SettingsValues,
  settingsValuesOf,
} from "../views/tenant";
import { dashboardActor } from "./keys";
import { tenantUserRoutes, tenantUserSection } from "./tenant-users";

const PROVIDER_FIELDS = ["issuer", "audience", "jwksUrl", "jwksInline", "allowedAlgorithms"];
const tenantHref = (publicId: string) => `/dashboard/admin/tenants/${publicId}`;

async function tenantPage(
  c: Context<DashboardEnv>,
  forms: { provider?: [ProviderValues, FieldErrors]; settings?: [SettingsValues, FieldErrors] } = {},
  status: 200 | 400 = 200,
) {
  const deps = c.get("deps");
  const tenant = await requireBusiness(deps, c.req.param("id") ?? "");
  const [providers, settings, users] = await Promise.all([
    listIdentityProviders(deps, tenant.id),
    loadTenantSettings(deps, tenant.id),
    tenantUserSection(c, tenant),
  ]);
  const [providerValues, providerErrors] = forms.provider ?? [EMPTY_PROVIDER, {}];
  const [settingsValues, settingsErrors] = forms.settings ?? [settingsValuesOf(settings), {}];
  const notice = noticeOf(c, { saved: "Settings saved.", added: "Provider added.", removed: "Provider removed." });
  return renderPage(
    c,
    `Identity and users of ${tenant.name}`,
    <>
      <Notice text={notice} />
      <section>
        <ProviderTable tenant={tenant} providers={providers} />
      </section>
      <ProviderForm tenant={tenant} values={providerValues} errors={providerErrors} formToken={c.get("formToken")} />
      <SettingsForm tenant={tenant} values={settingsValues} errors={settingsErrors} formToken={c.get("formToken")} />
      {users.section}
    </>,
    users.valid ? status : 400,
  );
}

/** `issuer subject` per line → the admin list; a line without both is reported, not dropped. */
function adminIdentitiesOf(text: string): Array<{ issuer: string; subject: string }> | null {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const admins = lines.map((line) => {
    const [issuer = "", ...rest] = line.split(/\s+/);
    return { issuer, subject: rest.join(" ") };
  });
  return admins.every((admin) => admin.issuer && admin.subject) ? admins : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return Symbol("not JSON");
  }
}

/** Tenants' identity providers, token-exchange settings and users, through the admin services. */
export const tenantRoutes = new Hono<DashboardEnv>()
  .route("/", tenantUserRoutes)
  .get("/dashboard/admin/tenants/:id", (c) => tenantPage(c))
  .post("/dashboard/admin/tenants/:id/providers", async (c) => {
    const form = c.get("form");
    const values: ProviderValues = {
      issuer: form.get("issuer"),
      audience: form.get("audience"),
      jwksUrl: form.get("jwksUrl"),
      jwksInline: form.get("jwksInline"),
      allowedAlgorithms: form.all("allowedAlgorithms"),
    };
    const inline = values.jwksInline === "" ? undefined : parseJson(values.jwksInline);
    if (typeof inline === "symbol") {
      return tenantPage(c, { provider: [values, { jwksInline: "This is not valid JSON." }] }, 400);
    }
    const parsed = identityProviderInputSchema.safeParse({
      issuer: values.issuer,
      audience: values.audience,
      ...(values.jwksUrl ? { jwksUrl: values.jwksUrl } : {}),
      ...(inline === undefined ? {} : { jwksInline: inline }),
      allowedAlgorithms: values.allowedAlgorithms,
    });
    if (!parsed.success) return tenantPage(c, { provider: [values, fieldErrorsOf(parsed.error.issues)] }, 400);
    const tenant = await requireBusiness(c.get("deps"), c.req.param("id"));
    try {
      await createIdentityProvider(c.get("deps"), dashboardActor(c), tenant, parsed.data);
    } catch (err) {
      return tenantPage(c, { provider: [values, formErrorOf(err, PROVIDER_FIELDS)] }, 400);
    }
    return c.redirect(`${tenantHref(tenant.publicId)}?notice=added`, 303);
  })
  .post("/dashboard/admin/tenants/:id/settings", async (c) => {
    const form = c.get("form");
    const values: SettingsValues = {
      anonymous: form.get("allowJWTForUnauthenticatedUsers") === "on",
      authTypes: form.all("enabledAuthTypes"),
      admins: form.get("adminIdentities"),
    };
    const admins = adminIdentitiesOf(values.admins);
    if (!admins) {
      const errors = { adminIdentities: "Each line needs an issuer, a space, then a subject." };
      return tenantPage(c, { settings: [values, errors] }, 400);
    }
    const tenant = await requireBusiness(c.get("deps"), c.req.param("id"));
    const current = await loadTenantSettings(c.get("deps"), tenant.id);
    const parsed = tenantSettingsInputSchema.safeParse({
      allowJWTForUnauthenticatedUsers: values.anonymous,
      enabledAuthTypes: values.authTypes,
      adminIdentities: admins,
      allowedOrigins: current.allowedOrigins,
    });
    if (!parsed.success) return tenantPage(c, { settings: [values, fieldErrorsOf(parsed.error.issues)] }, 400);
    await replaceTenantSettings(c.get("deps"), dashboardActor(c), tenant, {
      allowJwtForUnauthenticatedUsers: parsed.data.allowJWTForUnauthenticatedUsers,
      enabledAuthTypes: parsed.data.enabledAuthTypes,
      adminIdentities: parsed.data.adminIdentities,
      allowedOrigins: parsed.data.allowedOrigins,
    });
    return c.redirect(`${tenantHref(tenant.publicId)}?notice=saved`, 303);
  })
  .get("/dashboard/admin/tenants/:id/providers/:providerId/remove", async (c) => {
    const tenant = await requireBusiness(c.get("deps"), c.req.param("id"));
    return renderPage(
      c,
      "Remove this identity provider?",
      <Confirmation
        message="Its tokens are refused from now on, and the sessions it opened end now."
        action={`${tenantHref(tenant.publicId)}/providers/${encodeURIComponent(c.req.param("providerId"))}/remove`}
        confirmLabel="Remove provider"
        busyLabel="Removing…"
        cancelHref={tenantHref(tenant.publicId)}
        formToken={c.get("formToken")}
      />,
    );
  })
  .post("/dashboard/admin/tenants/:id/providers/:providerId/remove", async (c) => {
    const tenant = await requireBusiness(c.get("deps"), c.req.param("id"));
    await removeIdentityProvider(c.get("deps"), dashboardActor(c), tenant, c.req.param("providerId"));
    return c.redirect(`${tenantHref(tenant.publicId)}?notice=removed`, 303);
  });
