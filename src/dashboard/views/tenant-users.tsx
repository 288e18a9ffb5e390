import { TENANT_USER_STATUSES, type TenantUserStatus } from "../../domain";
import type { Page } from "../../storage/pagination";
import type { TenantUserWithIdentity } from "../../storage/tenant-users";
import type { FieldErrors } from "../field-errors";
import { Field, FieldError, FormError, NextPage, Notice, TableOrEmpty } from "./forms";

const at = (date: Date) => date.toISOString().slice(0, 16).replace("T", " ");

export interface TenantUserFilterValues {
  status: string;
  issuer: string;
  subject: string;
}

/** How a confirmation names a tenant user: their provider identity, else that they are anonymous. */
export function tenantUserLabel({ user, identity }: TenantUserWithIdentity): string {
  return identity ? `${identity.subject} (${identity.issuer})` : `Anonymous user ${user.publicId}`;
}

function UserActions({ base, found }: { base: string; found: TenantUserWithIdentity }) {
  const href = `${base}/users/${found.user.publicId}`;
  if (found.user.status === "disabled") {
    return (
      <a class="button secondary" href={`${href}/enable`}>
        Enable
      </a>
    );
  }
  return (
    <>
      <a class="button danger" href={`${href}/disable`}>
        Disable
      </a>
      <a class="button danger" href={`${href}/end-sessions`}>
        End sessions
      </a>
    </>
  );
}

/**
 * A tenant's end users (PERS): filter by status or find one identity, older pages by cursor, and
 * per user the links to the confirmation of each action. `page` is null when the filter was refused.
 */
export function TenantUserSection(props: {
  base: string;
  page: Page<TenantUserWithIdentity> | null;
  filter: TenantUserFilterValues;
  errors: FieldErrors;
  notice: string | undefined;
}) {
  const { filter, errors } = props;
  const filtered = filter.status !== "" || filter.issuer !== "" || filter.subject !== "";
  return (
    <section id="users" aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      <Notice text={props.notice} />
      <FormError errors={errors} />
      <form method="get" action={`${props.base}#users`}>
        <label for="user-status">Status</label>
        <select
          id="user-status"
          name="status"
          aria-invalid={errors.status ? "true" : undefined}
          aria-describedby={errors.status ? "user-status-error" : undefined}
        >
          <option value="">Any status</option>
          {TENANT_USER_STATUSES.map((status: TenantUserStatus) => (
            <option value={status} selected={filter.status === status}>
              {status}
            </option>
          ))}
        </select>
        <FieldError name="status" id="user-status" errors={errors} />
        <Field
          name="issuer"
          id="user-issuer"
          label="Issuer (iss)"
          value={filter.issuer}
          errors={errors}
          hint="With the subject: find the user a provider account signs in as."
        />
        <Field name="subject" id="user-subject" label="Subject (sub)" value={filter.subject} errors={errors} />
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      {props.page ? (
        <>
          <TableOrEmpty
            caption="The tenant's users, newest first"
            empty={
              filtered
                ? "No users match."
                : "No users yet: a user appears here when they first exchange a token with this tenant."
            }
            headings={["User id", "Issuer", "Subject", "Display", "Anonymous", "Status", "Created (UTC)", ""]}
            rows={props.page.items.map((found) => (
              <tr>
                <td class="mono">{found.user.publicId}</td>
                <td class="mono">{found.identity?.issuer ?? ""}</td>
                <td class="mono">{found.identity?.subject ?? ""}</td>
                <td>
                  {found.user.name ?? ""}
                  {found.user.email ? <div class="hint">{found.user.email}</div> : null}
                </td>
                <td>{found.user.kind === "anonymous" ? "yes" : "no"}</td>
                <td>{found.user.status}</td>
                <td>{at(found.user.createdAt)}</td>
                <td>
                  <UserActions base={props.base} found={found} />
                </td>
              </tr>
            ))}
          />
          <NextPage base={props.base} next={props.page.nextBeforeId} params={{ ...filter }} fragment="users" />
        </>
      ) : null}
    </section>
  );
}
