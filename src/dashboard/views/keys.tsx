import type { ApiKeyMode, ApiKeyPermission } from "../../domain";
import type { ApiKeyStatus } from "../../services/api-keys/management";
import type { ApiKeyDetails } from "../../storage/api-keys";
import type { FieldErrors } from "../field-errors";
import { CsrfField, Field, FieldError, FormError, Notice, Submit, TableOrEmpty } from "./forms";
import { type DailyCount, UsageChart } from "./usage-chart";

export interface KeyRow {
  details: ApiKeyDetails;
  status: ApiKeyStatus;
  usage: DailyCount[];
  /** What the viewer's role allows on this key; the page offers nothing else. */
  mayRoll: boolean;
  mayRevoke: boolean;
}

const day = (date: Date | null) => (date ? date.toISOString().slice(0, 16).replace("T", " ") : "never");

function KeyActions({ row }: { row: KeyRow }) {
  const id = row.details.key.publicId;
  return (
    <>
      {row.mayRoll && row.status === "active" ? (
        <a class="button secondary" href={`/dashboard/keys/${id}/roll`}>
          Roll
        </a>
      ) : null}
      {row.mayRevoke && (row.status === "active" || row.status === "rolled") ? (
        <a class="button danger" href={`/dashboard/keys/${id}/revoke`}>
          Revoke
        </a>
      ) : null}
    </>
  );
}

export function KeyList({ rows }: { rows: KeyRow[] }) {
  return (
    <TableOrEmpty
      caption="API keys, newest first"
      empty="No API keys yet. Create one below."
      headings={["Name", "Prefix", "Mode", "Permissions", "Status", "Created", "Last used", "Requests per day", ""]}
      rows={rows.map((row) => {
        const { key } = row.details;
        return (
          <tr>
            <td>{key.name}</td>
            <td class="mono">{`${key.displayPrefix}…`}</td>
            <td>
              <span class="badge">{`${key.kind === "secret" ? "sk" : "pk"} ${key.mode}`}</span>
            </td>
            <td>{key.permissions.length ? key.permissions.join(", ") : "none"}</td>
            <td>
              {row.status}
              {row.status === "rolled" ? ` (works until ${day(key.graceUntil)} UTC)` : ""}
            </td>
            <td>{day(key.createdAt)}</td>
            <td>{day(key.lastUsedAt)}</td>
            <td>
              <UsageChart days={row.usage} label={key.name} />
            </td>
            <td>
              <KeyActions row={row} />
            </td>
          </tr>
        );
      })}
    />
  );
}

export interface NewKeyValues {
  name: string;
  kind: string;
  mode: ApiKeyMode | string;
  permissions: string[];
  expires_on: string;
}

function Choice(props: { name: string; value: string; label: string; checked: boolean; type?: string }) {
  return (
    <label>
      <input type={props.type ?? "radio"} name={props.name} value={props.value} checked={props.checked} />
      {props.label}
    </label>
  );
}

/** The modes and permissions the viewer's role may put on a new key; the form offers no others. */
export interface KeyChoices {
  modes: readonly ApiKeyMode[];
  permissions: readonly ApiKeyPermission[];
}

export function CreateKeyForm(props: {
  action: string;
  values: NewKeyValues;
  errors: FieldErrors;
  formToken: string;
  choices: KeyChoices;
}) {
  const { values, errors, choices } = props;
  const offersLive = choices.modes.includes("live");
  return (
    <section aria-labelledby="create-key">
      <h2 id="create-key">Create an API key</h2>
      <FormError errors={errors} />
      <form method="post" action={props.action}>
        <CsrfField token={props.formToken} />
        <Field
          name="name"
          label="Name"
          value={values.name}
          errors={errors}
          required
          hint="What uses it, e.g. Billing server."
        />
        <fieldset>
          <legend>Mode</legend>
          <Choice
            name="mode"
            value="test"
            label="Test (never reaches a live side effect)"
            checked={!offersLive || values.mode !== "live"}
          />
          {offersLive ? <Choice name="mode" value="live" label="Live" checked={values.mode === "live"} /> : null}
          <FieldError name="mode" errors={errors} />
        </fieldset>
        <fieldset>
          <legend>Kind</legend>
          <Choice
            name="kind"
            value="secret"
            label="Secret (sk_, servers only)"
            checked={values.kind !== "publishable"}
          />
          <Choice name="kind" value="publishable" label="Publishable (pk_)" checked={values.kind === "publishable"} />
          <FieldError name="kind" errors={errors} />
        </fieldset>
        <fieldset>
          <legend>Permissions</legend>
          {choices.permissions.map((permission) => (
            <Choice
              type="checkbox"
              name="permissions"
              value={permission}
              label={permission}
              checked={values.permissions.includes(permission)}
            />
          ))}
          <FieldError name="permissions" errors={errors} />
        </fieldset>
        <Field
          name="expires_on"
          label="Expires on (optional)"
          type="date"
          value={values.expires_on}
          errors={errors}
          hint="The key stops working at the end of this day (UTC). Leave empty for no expiry."
        />
        <Submit label="Create key" busy="Creating…" />
      </form>
    </section>
  );
}

/** The one time a key is shown: the response is `no-store` and the key is in no URL. */
export function SecretOnce(props: { plaintext: string; details: ApiKeyDetails; note?: string; backHref: string }) {
  return (
    <section aria-labelledby="secret-heading">
      <h2 id="secret-heading">{`Your new key “${props.details.key.name}”`}</h2>
      <p class="warning" role="alert">
        Copy this key now. You won't see it again: Gatehouse keeps only its hash.
      </p>
      <code class="secret" id="new-key">
        {props.plaintext}
      </code>
      <button type="button" class="secondary" data-copy="new-key" hidden>
        Copy key
      </button>
      <span id="new-key-status" role="status" aria-live="polite"></span>
      <Notice text={props.note} />
      <p>
        <a href={props.backHref}>Back to the keys</a>
      </p>
    </section>
  );
}
