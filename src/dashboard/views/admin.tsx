import { USER_TYPES, type UserType } from "../../domain";
import { AUDIT_ACTIONS } from "../../services/audit/audit-log";
import type { Page } from "../../storage/pagination";
import type { AuditEventRow, BusinessRow, UserRow } from "../../storage/schema";
import type { FieldErrors } from "../field-errors";
import { CsrfField, Field, FieldError, FormError, NextPage, Submit, TableOrEmpty } from "./forms";

const at = (date: Date) => date.toISOString().slice(0, 16).replace("T", " ");

export function BusinessTable({ page }: { page: Page<BusinessRow> }) {
  return (
    <>
      <TableOrEmpty
        caption="Businesses, newest first"
        empty="No businesses yet. Create the first below."
        headings={["Name", "Status", "Created", ""]}
        rows={page.items.map((business) => (
          <tr>
            <td>
              <a href={`/dashboard/businesses/${business.publicId}/keys`}>{business.name}</a>
              <div class="hint mono">{business.publicId}</div>
              <a href={`/dashboard/admin/tenants/${business.publicId}`}>Identity providers, settings and users</a>
            </td>
            <td>{business.status}</td>
            <td>{at(business.createdAt)}</td>
            <td>
              {business.status === "suspended" ? (
                <a class="button secondary" href={`/dashboard/admin/businesses/${business.publicId}/status/verified`}>
                  Reinstate
                </a>
              ) : (
                <a class="button danger" href={`/dashboard/admin/businesses/${business.publicId}/status/suspended`}>
                  Suspend
                </a>
              )}
            </td>
          </tr>
        ))}
      />
      <NextPage base="/dashboard/admin/businesses" next={page.nextBeforeId} />
    </>
  );
}

export function CreateBusinessForm(props: { name: string; errors: FieldErrors; formToken: string }) {
  return (
    <section aria-labelledby="create-business">
      <h2 id="create-business">Create a business</h2>
      <FormError errors={props.errors} />
      <form method="post" action="/dashboard/admin/businesses">
        <CsrfField token={props.formToken} />
        <Field name="name" label="Name" value={props.name} errors={props.errors} required />
        <Submit label="Create business" busy="Creating…" />
      </form>
    </section>
  );
}

export function UserTable(props: { page: Page<UserRow>; userType: UserType | undefined; selfPublicId: string }) {
  return (
    <>
      <form method="get" action="/dashboard/admin/users">
        <label for="type">Show</label>
        <select id="type" name="type">
          <option value="">Every type</option>
          {USER_TYPES.map((type) => (
            <option value={type} selected={props.userType === type}>
              {type}
            </option>
          ))}
        </select>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      <TableOrEmpty
        caption="Users, newest first"
        empty="No users of this type."
        headings={["Email", "Name", "Type", "Status", "Created", ""]}
        rows={props.page.items.map((user) => (
          <tr>
            <td>{user.email}</td>
            <td>{user.displayName}</td>
            <td>{user.userType}</td>
            <td>{user.status}</td>
            <td>{at(user.createdAt)}</td>
            <td>
              {user.status === "active" && user.publicId !== props.selfPublicId ? (
                <a class="button danger" href={`/dashboard/admin/users/${user.publicId}/disable`}>
                  Disable
                </a>
              ) : null}
            </td>
          </tr>
        ))}
      />
      <NextPage base="/dashboard/admin/users" next={props.page.nextBeforeId} params={{ type: props.userType }} />
    </>
  );
}

export function CreateUserForm(props: { values: Record<string, string>; errors: FieldErrors; formToken: string }) {
  const { values, errors } = props;
  return (
    <section aria-labelledby="create-user">
      <h2 id="create-user">Create a user, admin user or agent</h2>
      <FormError errors={errors} />
      <form method="post" action="/dashboard/admin/users">
        <CsrfField token={props.formToken} />
        <label for="user_type">Type</label>
        <select id="user_type" name="user_type">
          {USER_TYPES.map((type) => (
            <option value={type} selected={(values.user_type || "agent") === type}>
              {type}
            </option>
          ))}
        </select>
        <FieldError name="user_type" errors={errors} />
        <Field name="email" label="Email" type="email" value={values.email} errors={errors} required />
        <Field
          name="password"
          label="Initial password"
          type="password"
          autocomplete="new-password"
          errors={errors}
          required
          hint="At least 12 characters. Share it with them over a safe channel."
        />
        <Field name="first_name" label="First name" value={values.first_name} errors={errors} />
        <Field name="last_name" label="Last name" value={values.last_name} errors={errors} />
        <Field
          name="phone_number"
          label="Phone (optional)"
          type="tel"
          value={values.phone_number}
          errors={errors}
          hint="E.164, e.g. +263771234567."
        />
        <Submit label="Create account" busy="Creating…" />
      </form>
    </section>
  );
}

export interface AuditFilterValues {
  action: string | undefined;
  tenant: string | undefined;
  actor: string | undefined;
}

export function AuditTable({ page, filter }: { page: Page<AuditEventRow>; filter: AuditFilterValues }) {
  return (
    <>
      <section>
        <form method="get" action="/dashboard/admin/audit">
          <label for="action">Action</label>
          <select id="action" name="action">
            <option value="">Any action</option>
            {AUDIT_ACTIONS.map((action) => (
              <option value={action} selected={filter.action === action}>
                {action}
              </option>
            ))}
          </select>
          <label for="tenant">Business id</label>
          <input id="tenant" name="tenant" value={filter.tenant ?? ""} />
          <label for="actor">Actor id</label>
          <input id="actor" name="actor" value={filter.actor ?? ""} />
          <button type="submit" class="secondary">
            Filter
          </button>
        </form>
      </section>
      <TableOrEmpty
        caption="Audit events, newest first"
        empty="No events match."
        headings={["When (UTC)", "Action", "Actor", "Business", "Target", "IP"]}
        rows={page.items.map((event) => (
          <tr>
            <td>{at(event.at)}</td>
            <td>{event.action}</td>
            <td>
              {event.actorType}
              <div class="hint mono">{event.actorPublicId ?? ""}</div>
            </td>
            <td class="mono">{event.tenant ?? ""}</td>
            <td class="mono">{event.target ?? ""}</td>
            <td>{event.ip ?? ""}</td>
          </tr>
        ))}
      />
      <NextPage base="/dashboard/admin/audit" next={page.nextBeforeId} params={{ ...filter }} />
    </>
  );
}
