import type { Context } from "hono";
import { Hono } from "hono";
import { clientInfo } from "../../http/client-info";
import { createApiKeyRequestSchema } from "../../http/schemas/api-keys";
import { findAccessibleBusiness } from "../../services/admin/business-access";
import { listOwnBusinesses } from "../../services/admin/member-businesses";
import { dailyUsageOfKeys } from "../../services/api-keys/daily-usage";
import {
  apiKeyCreationChoices,
  apiKeyStatus,
  createApiKey,
  getApiKeyToChange,
  listApiKeysOfBusiness,
  mayChangeApiKey,
  mayCreateApiKeys,
  revokeApiKey,
  rollApiKey,
} from "../../services/api-keys/management";
import type { UserActor } from "../../services/audit/audit-log";
import type { DashboardEnv } from "../context";
import { type FieldErrors, fieldErrorsOf, formErrorOf } from "../field-errors";
import { renderPage } from "../render";
import { Confirmation } from "../views/confirm";
import { Notice, TableOrEmpty } from "../views/forms";
import { CreateKeyForm, KeyList, type NewKeyValues, SecretOnce } from "../views/keys";

const NEW_KEY_FIELDS = ["name", "kind", "mode", "permissions", "expires_on"];
const EMPTY_KEY: NewKeyValues = { name: "", kind: "secret", mode: "test", permissions: [], expires_on: "" };

export function dashboardActor(c: Context<DashboardEnv>): UserActor {
  return { principal: c.get("principal"), ...clientInfo(c.req) };
}

const keysHref = (businessPublicId: string) => `/dashboard/businesses/${encodeURIComponent(businessPublicId)}/keys`;

function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

async function keysPage(c: Context<DashboardEnv>, values: NewKeyValues, errors: FieldErrors, status: 200 | 400 = 200) {
  const deps = c.get("deps");
  const businessId = c.req.param("businessId") ?? "";
  const { business, caller } = await findAccessibleBusiness(deps, c.get("principal"), businessId);
  const page = await listApiKeysOfBusiness(deps, c.get("principal"), business.publicId, { limit: 100 });
  const usage = await dailyUsageOfKeys(
    deps,
    page.items.map((details) => details.key.id),
  );
  const rows = page.items.map((details) => ({
    details,
    status: apiKeyStatus(details.key, deps.now),
    usage: usage.get(details.key.id) ?? [],
    mayRoll: mayChangeApiKey(caller, details.key, "roll"),
    mayRevoke: mayChangeApiKey(caller, details.key, "revoke"),
  }));
  const notice = c.req.query("notice") === "revoked" ? "The key is revoked." : undefined;
  return renderPage(
    c,
    `API keys of ${business.name}`,
    <>
      <Notice text={notice} />
      <section aria-label="Keys">
        <KeyList rows={rows} />
      </section>
      {mayCreateApiKeys(caller) ? (
        <CreateKeyForm
          action={keysHref(business.publicId)}
          values={values}
          errors={errors}
          formToken={c.get("formToken")}
          choices={apiKeyCreationChoices(caller)}
        />
      ) : (
        <p>{`As a ${caller.actingRole} of ${business.name} you see its keys; you cannot create or change them.`}</p>
      )}
    </>,
    status,
  );
}

/** `2026-12-31` → the end of that UTC day, as the JSON API's `expires_at`. */
function expiresAtOf(date: string): string | undefined {
  return date === "" ? undefined : `${date}T23:59:59Z`;
}

export const keyRoutes = new Hono<DashboardEnv>()
  .get("/dashboard/businesses", async (c) => {
    const memberships = await listOwnBusinesses(c.get("deps"), c.get("principal"));
    const isAdmin = c.get("principal").userType === "adminuser";
    return renderPage(
      c,
      "Your businesses",
      <section>
        <TableOrEmpty
          caption="Businesses you belong to"
          empty={
            isAdmin
              ? "You are not a member of any business. As an admin user you manage all of them under All businesses."
              : "You do not belong to any business yet. Ask an administrator to add you."
          }
          headings={["Business", "Status", "Your role", ""]}
          rows={memberships.map(({ business, role }) => (
            <tr>
              <td>{business.name}</td>
              <td>{business.status}</td>
              <td>{role}</td>
              <td>
                <a href={keysHref(business.publicId)}>API keys</a>
              </td>
            </tr>
          ))}
        />
      </section>,
    );
  })
  .get("/dashboard/businesses/:businessId/keys", (c) => keysPage(c, EMPTY_KEY, {}))
  .post("/dashboard/businesses/:businessId/keys", async (c) => {
    const form = c.get("form");
    const values: NewKeyValues = {
      name: form.get("name"),
      kind: form.get("kind"),
      mode: form.get("mode"),
      permissions: form.all("permissions"),
      expires_on: form.get("expires_on"),
    };
    const parsed = createApiKeyRequestSchema.safeParse({
      business_id: c.req.param("businessId"),
      name: values.name,
      kind: values.kind,
      mode: values.mode,
      permissions: values.permissions,
      expires_at: expiresAtOf(values.expires_on),
    });
    if (!parsed.success) {
      const errors = fieldErrorsOf(parsed.error.issues);
      if (errors.expires_at) errors.expires_on = errors.expires_at;
      return keysPage(c, values, errors, 400);
    }
    const body = parsed.data;
    try {
      const issued = await createApiKey(c.get("deps"), dashboardActor(c), {
        businessPublicId: body.business_id,
        name: body.name,
        kind: body.kind,
        mode: body.mode,
        permissions: body.permissions,
        ...(body.expires_at ? { expiresAt: new Date(body.expires_at) } : {}),
      });
      return renderPage(
        c,
        "Key created",
        <SecretOnce
          plaintext={issued.plaintext}
          details={issued.key}
          backHref={keysHref(issued.key.businessPublicId)}
        />,
      );
    } catch (err) {
      const errors = formErrorOf(err, [...NEW_KEY_FIELDS, "expires_at"]);
      if (errors.expires_at) errors.expires_on = errors.expires_at;
      return keysPage(c, values, errors, 400);
    }
  })
  .get("/dashboard/keys/:keyId/roll", async (c) => {
    const details = await getApiKeyToChange(c.get("deps"), c.get("principal"), c.req.param("keyId"), "roll");
    const grace = formatDuration(c.get("deps").config.apiKeyRollGraceSeconds);
    return renderPage(
      c,
      `Roll “${details.key.name}”?`,
      <Confirmation
        message={`A new key replaces ${details.key.displayPrefix}…. The old key keeps working for ${grace}, then it is refused.`}
        action={`/dashboard/keys/${details.key.publicId}/roll`}
        confirmLabel="Roll key"
        busyLabel="Rolling…"
        cancelHref={keysHref(details.businessPublicId)}
        formToken={c.get("formToken")}
      />,
    );
  })
  .post("/dashboard/keys/:keyId/roll", async (c) => {
    const rolled = await rollApiKey(c.get("deps"), dashboardActor(c), c.req.param("keyId"));
    const until = rolled.previous.key.graceUntil?.toISOString().slice(0, 16).replace("T", " ");
    return renderPage(
      c,
      "Key rolled",
      <SecretOnce
        plaintext={rolled.plaintext}
        details={rolled.key}
        note={`The old key ${rolled.previous.key.displayPrefix}… works until ${until} UTC.`}
        backHref={keysHref(rolled.key.businessPublicId)}
      />,
    );
  })
  .get("/dashboard/keys/:keyId/revoke", async (c) => {
    const details = await getApiKeyToChange(c.get("deps"), c.get("principal"), c.req.param("keyId"), "revoke");
    const bound = c.get("deps").config.apiKeyEdgeCacheSeconds;
    return renderPage(
      c,
      `Revoke “${details.key.name}”?`,
      <Confirmation
        message={`${details.key.displayPrefix}… will be refused at once here and everywhere within ${bound} seconds. This cannot be undone.`}
        action={`/dashboard/keys/${details.key.publicId}/revoke`}
        confirmLabel="Revoke key"
        busyLabel="Revoking…"
        cancelHref={keysHref(details.businessPublicId)}
        formToken={c.get("formToken")}
      />,
    );
  })
  .post("/dashboard/keys/:keyId/revoke", async (c) => {
    const details = await revokeApiKey(c.get("deps"), dashboardActor(c), c.req.param("keyId"));
    return c.redirect(`${keysHref(details.businessPublicId)}?notice=revoked`, 303);
  });
