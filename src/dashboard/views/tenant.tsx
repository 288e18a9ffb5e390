import { IDP_ALGORITHMS, OPT_IN_AUTH_TYPES } from "../../domain";
import type { TenantSettings } from "../../services/token-exchange/tenant-settings";
import type { BusinessRow, IdentityProviderRow } from "../../storage/schema";
import type { FieldErrors } from "../field-errors";
import { CsrfField, Field, FieldError, FormError, Submit, TableOrEmpty } from "./forms";

export interface ProviderValues {
  issuer: string;
  audience: string;
  jwksUrl: string;
  jwksInline: string;
  allowedAlgorithms: string[];
}

export const EMPTY_PROVIDER: ProviderValues = {
  issuer: "",
  audience: "",
  jwksUrl: "",
  jwksInline: "",
  allowedAlgorithms: ["RS256"],
};

function Check(props: { name: string; value: string; checked: boolean; label?: string }) {
  return (
    <label>
      <input type="checkbox" name={props.name} value={props.value} checked={props.checked} />
      {props.label ?? props.value}
    </label>
  );
}

export function ProviderTable({ tenant, providers }: { tenant: BusinessRow; providers: IdentityProviderRow[] }) {
  return (
    <TableOrEmpty
      caption="Identity providers this tenant trusts for token exchange"
      empty="No identity provider yet: token exchange refuses every token until one is added."
      headings={["Issuer", "Audience", "Keys", "Algorithms", "Enabled", ""]}
      rows={providers.map((provider) => (
        <tr>
          <td class="mono">{provider.issuer}</td>
          <td class="mono">{provider.audience}</td>
          <td>
            {provider.jwksUrl
              ? `JWKS URL: ${provider.jwksUrl}`
              : `${provider.jwksInline?.keys.length ?? 0} inline key(s)`}
          </td>
          <td>{provider.allowedAlgorithms.join(", ")}</td>
          <td>{provider.enabled ? "yes" : "no"}</td>
          <td>
            <a
              class="button danger"
              href={`/dashboard/admin/tenants/${tenant.publicId}/providers/${provider.publicId}/remove`}
            >
              Remove
            </a>
          </td>
        </tr>
      ))}
    />
  );
}

export function ProviderForm(props: {
  tenant: BusinessRow;
  values: ProviderValues;
  errors: FieldErrors;
  formToken: string;
}) {
  const { values, errors } = props;
  return (
    <section aria-labelledby="add-provider">
      <h2 id="add-provider">Add an identity provider</h2>
      <FormError errors={errors} />
      <form method="post" action={`/dashboard/admin/tenants/${props.tenant.publicId}/providers`}>
        <CsrfField token={props.formToken} />
        <Field name="issuer" label="Issuer (iss)" value={values.issuer} errors={errors} required />
        <Field name="audience" label="Audience (aud)" value={values.audience} errors={errors} required />
        <Field
          name="jwksUrl"
          label="JWKS URL"
          type="url"
          value={values.jwksUrl}
          errors={errors}
          hint="https only. Or leave it empty and paste the public keys below."
        />
        <Field
          name="jwksInline"
          label="Inline public keys (JWKS JSON)"
          type="textarea"
          value={values.jwksInline}
          errors={errors}
        />
        <fieldset>
          <legend>Allowed algorithms</legend>
          {IDP_ALGORITHMS.map((algorithm) => (
            <Check name="allowedAlgorithms" value={algorithm} checked={values.allowedAlgorithms.includes(algorithm)} />
          ))}
          <FieldError name="allowedAlgorithms" errors={errors} />
        </fieldset>
        <Submit label="Add provider" busy="Adding…" />
      </form>
    </section>
  );
}

export interface SettingsValues {
  anonymous: boolean;
  authTypes: string[];
  admins: string;
}

export function settingsValuesOf(settings: TenantSettings): SettingsValues {
  return {
    anonymous: settings.allowJwtForUnauthenticatedUsers,
    authTypes: settings.enabledAuthTypes,
    admins: settings.adminIdentities.map((admin) => `${admin.issuer} ${admin.subject}`).join("\n"),
  };
}

export function SettingsForm(props: {
  tenant: BusinessRow;
  values: SettingsValues;
  errors: FieldErrors;
  formToken: string;
}) {
  const { values, errors } = props;
  return (
    <section aria-labelledby="settings">
      <h2 id="settings">Token exchange settings</h2>
      <FormError errors={errors} />
      <form method="post" action={`/dashboard/admin/tenants/${props.tenant.publicId}/settings`}>
        <CsrfField token={props.formToken} />
        <fieldset>
          <legend>Auth types (user is always on)</legend>
          {OPT_IN_AUTH_TYPES.map((type) => (
            <Check name="enabledAuthTypes" value={type} checked={values.authTypes.includes(type)} />
          ))}
          <FieldError name="enabledAuthTypes" errors={errors} />
        </fieldset>
        <fieldset>
          <legend>Anonymous users</legend>
          <Check
            name="allowJWTForUnauthenticatedUsers"
            value="on"
            checked={values.anonymous}
            label="Allow sessions from rawLoginData without a token"
          />
        </fieldset>
        <Field
          name="adminIdentities"
          label="Tenant admins, one per line: issuer, a space, subject"
          type="textarea"
          value={values.admins}
          errors={errors}
          hint="Only these identities may exchange with authType tenant; a removed one can no longer refresh its session."
        />
        <Submit label="Save settings" busy="Saving…" />
      </form>
    </section>
  );
}
