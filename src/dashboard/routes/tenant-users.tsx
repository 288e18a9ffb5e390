import type { Context } from "hono";
import { Hono } from "hono";
import { tenantUserFilterOf, tenantUserListQuerySchema } from "../../http/schemas/tenant-users";
import { requireBusiness } from "../../services/admin/businesses";
import {
  disableTenantUser,
  enableTenantUser,
  findTenantUsers,
  requireTenantUser,
} from "../../services/admin/tenant-users";
import type { UserActor } from "../../services/audit/audit-log";
import type { Deps } from "../../services/deps";
import { revokeTenantUserSessions } from "../../services/token-exchange/pers-revocation";
import type { BusinessRow } from "../../storage/schema";
import type { DashboardEnv } from "../context";
import { fieldErrorsOf } from "../field-errors";
import { noticeOf } from "../notices";
import { pageOf } from "../page-request";
import { renderPage } from "../render";
import { Confirmation } from "../views/confirm";
import { TenantUserSection, tenantUserLabel } from "../views/tenant-users";
import { dashboardActor } from "./keys";

const tenantHref = (publicId: string) => `/dashboard/admin/tenants/${publicId}`;

const NOTICES = {
  "user-disabled": "The user is disabled and every session they had is ended.",
  "user-enabled": "The user is enabled again. The sessions that disabling ended stay ended.",
  "user-sessions-ended": "Every session of the user is ended. They can sign in again.",
} as const;

/**
 * The users section of a tenant's page, from `?status=`, `?issuer=&subject=` and `?cursor=`,
 * read with the JSON API's own query schema: a refused filter is said beside its field.
 */
export async function tenantUserSection(c: Context<DashboardEnv>, tenant: BusinessRow) {
  const filter = {
    status: c.req.query("status")?.trim() ?? "",
    issuer: c.req.query("issuer")?.trim() ?? "",
    subject: c.req.query("subject")?.trim() ?? "",
  };
  const parsed = tenantUserListQuerySchema.safeParse({
    status: filter.status || undefined,
    issuer: filter.issuer || undefined,
    subject: filter.subject || undefined,
  });
  const page = parsed.success
    ? await findTenantUsers(c.get("deps"), tenant, tenantUserFilterOf(parsed.data), pageOf(c))
    : null;
  return {
    valid: parsed.success,
    section: (
      <TenantUserSection
        base={tenantHref(tenant.publicId)}
        page={page}
        filter={filter}
        errors={parsed.success ? {} : fieldErrorsOf(parsed.error.issues)}
        notice={noticeOf(c, NOTICES)}
      />
    ),
  };
}

interface TenantUserAction {
  title: string;
  consequence: string;
  confirmLabel: string;
  busyLabel: string;
  notice: keyof typeof NOTICES;
  run: (deps: Deps, actor: UserActor, tenant: BusinessRow, userPublicId: string) => Promise<unknown>;
}

/** What each action does, in the words of docs/pers.md, and the service that does it. */
const ACTIONS: Record<"disable" | "enable" | "end-sessions", TenantUserAction> = {
  disable: {
    title: "Disable this user?",
    consequence:
      "can no longer exchange identity tokens or refresh; every session they have ends now (refreshes at once, " +
      "access tokens at the gateway within about a minute).",
    confirmLabel: "Disable user",
    busyLabel: "Disabling…",
    notice: "user-disabled",
    run: disableTenantUser,
  },
  enable: {
    title: "Enable this user?",
    consequence: "can exchange identity tokens again. The sessions that disabling ended stay ended.",
    confirmLabel: "Enable user",
    busyLabel: "Enabling…",
    notice: "user-enabled",
    run: enableTenantUser,
  },
  "end-sessions": {
    title: "End this user's sessions?",
    consequence:
      "is signed out everywhere: refreshes are refused at once, access tokens at the gateway within about a " +
      "minute. They stay active and can sign in again.",
    confirmLabel: "End sessions",
    busyLabel: "Ending…",
    notice: "user-sessions-ended",
    run: revokeTenantUserSessions,
  },
};

const ACTION_PATH = "/dashboard/admin/tenants/:id/users/:userId/:action{disable|enable|end-sessions}";
const actionOf = (c: Context<DashboardEnv>) => ACTIONS[c.req.param("action") as keyof typeof ACTIONS];

/** Disable, enable, end sessions of one tenant user: a confirmation page, then the POST it sends. */
export const tenantUserRoutes = new Hono<DashboardEnv>()
  .get(ACTION_PATH, async (c) => {
    const action = actionOf(c);
    const tenant = await requireBusiness(c.get("deps"), c.req.param("id"));
    const found = await requireTenantUser(c.get("deps"), tenant, c.req.param("userId"));
    return renderPage(
      c,
      action.title,
      <Confirmation
        message={`${tenantUserLabel(found)} ${action.consequence}`}
        action={`${tenantHref(tenant.publicId)}/users/${found.user.publicId}/${c.req.param("action")}`}
        confirmLabel={action.confirmLabel}
        busyLabel={action.busyLabel}
        cancelHref={`${tenantHref(tenant.publicId)}#users`}
        formToken={c.get("formToken")}
      />,
    );
  })
  .post(ACTION_PATH, async (c) => {
    const action = actionOf(c);
    const tenant = await requireBusiness(c.get("deps"), c.req.param("id"));
    await action.run(c.get("deps"), dashboardActor(c), tenant, c.req.param("userId"));
    return c.redirect(`${tenantHref(tenant.publicId)}?notice=${action.notice}#users`, 303);
  });
