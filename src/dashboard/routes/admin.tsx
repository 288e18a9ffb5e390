import type { Context } from "hono";
import { Hono } from "hono";
import { BUSINESS_STATUSES, USER_TYPES, type UserType } from "../../domain";
import { createBusinessRequestSchema, createUserRequestSchema, newUserRequestOf } from "../../http/schemas/admin";
import { changeBusiness, createBusiness, findBusinesses, requireBusiness } from "../../services/admin/businesses";
import { createUserAccount, disableUser, findUser, findUsers } from "../../services/admin/users";
import { AUDIT_ACTIONS, findAuditEvents } from "../../services/audit/audit-log";
import type { DashboardEnv } from "../context";
import { type FieldErrors, fieldErrorsOf, formErrorOf } from "../field-errors";
import { adminPagesOnly } from "../middleware";
import { pageOf } from "../page-request";
import { renderPage } from "../render";
import { AuditTable, BusinessTable, CreateBusinessForm, CreateUserForm, UserTable } from "../views/admin";
import { Confirmation } from "../views/confirm";
import { Notice } from "../views/forms";
import { dashboardActor } from "./keys";
import { tenantRoutes } from "./tenants";

async function businessesPage(c: Context<DashboardEnv>, errors: FieldErrors, name = "", status: 200 | 400 = 200) {
  const page = await findBusinesses(c.get("deps"), pageOf(c));
  const notice = c.req.query("notice");
  return renderPage(
    c,
    "All businesses",
    <>
      <Notice
        text={
          notice === "suspended"
            ? "The business is suspended."
            : notice === "verified"
              ? "The business is reinstated."
              : notice === "created"
                ? "The business is created, verified."
                : undefined
        }
      />
      <section>
        <BusinessTable page={page} />
      </section>
      <CreateBusinessForm name={name} errors={errors} formToken={c.get("formToken")} />
    </>,
    status,
  );
}

// A Map, so that `?notice=constructor` names nothing.
const USER_NOTICES: ReadonlyMap<string, string> = new Map([
  ["disabled", "The account is disabled and its sessions ended."],
  ["created", "The account is created and can sign in."],
]);

async function usersPage(
  c: Context<DashboardEnv>,
  errors: FieldErrors,
  values: Record<string, string>,
  status: 200 | 400 = 200,
) {
  const type = c.req.query("type");
  const userType = USER_TYPES.includes(type as UserType) ? (type as UserType) : undefined;
  const page = await findUsers(c.get("deps"), userType ? { userType } : {}, pageOf(c));
  return renderPage(
    c,
    "Users",
    <>
      <Notice text={USER_NOTICES.get(c.req.query("notice") ?? "")} />
      <section>
        <UserTable page={page} userType={userType} selfPublicId={c.get("principal").userPublicId} />
      </section>
      <CreateUserForm values={values} errors={errors} formToken={c.get("formToken")} />
    </>,
    status,
  );
}

const USER_FIELDS = ["email", "password", "user_type", "first_name", "last_name", "phone_number"];

/** Administration, through the admin API's own services; `adminuser` only. */
export const adminRoutes = new Hono<DashboardEnv>()
  .use("/dashboard/admin/*", adminPagesOnly)
  .route("/", tenantRoutes)
  .get("/dashboard/admin/businesses", (c) => businessesPage(c, {}))
  .post("/dashboard/admin/businesses", async (c) => {
    const name = c.get("form").get("name");
    const parsed = createBusinessRequestSchema.safeParse({ name, status: "verified" });
    if (!parsed.success) return businessesPage(c, fieldErrorsOf(parsed.error.issues), name, 400);
    await createBusiness(c.get("deps"), dashboardActor(c), parsed.data);
    return c.redirect("/dashboard/admin/businesses?notice=created", 303);
  })
  .get("/dashboard/admin/businesses/:id/status/:status", async (c) => {
    const business = await requireBusiness(c.get("deps"), c.req.param("id"));
    const status = c.req.param("status") === "suspended" ? "suspended" : "verified";
    return renderPage(
      c,
      status === "suspended" ? `Suspend ${business.name}?` : `Reinstate ${business.name}?`,
      <Confirmation
        message={
          status === "suspended"
            ? "Its API keys stop working through the gateway (everywhere within a minute) until it is reinstated."
            : "Its API keys work again."
        }
        action={`/dashboard/admin/businesses/${business.publicId}/status/${status}`}
        confirmLabel={status === "suspended" ? "Suspend" : "Reinstate"}
        busyLabel="Saving…"
        cancelHref="/dashboard/admin/businesses"
        formToken={c.get("formToken")}
      />,
    );
  })
  .post("/dashboard/admin/businesses/:id/status/:status", async (c) => {
    const status = BUSINESS_STATUSES.find((s) => s === c.req.param("status") && s !== "pending");
    if (!status) return c.redirect("/dashboard/admin/businesses", 303);
    await changeBusiness(c.get("deps"), dashboardActor(c), c.req.param("id"), { status });
    return c.redirect(`/dashboard/admin/businesses?notice=${status}`, 303);
  })
  .get("/dashboard/admin/users", (c) => usersPage(c, {}, {}))
  .post("/dashboard/admin/users", async (c) => {
    const form = c.get("form");
    const values = Object.fromEntries(USER_FIELDS.map((field) => [field, form.get(field)]));
    const parsed = createUserRequestSchema.safeParse({
      email: values.email,
      password: form.all("password").at(-1) ?? "",
      user_type: values.user_type,
      first_name: values.first_name,
      last_name: values.last_name,
      phone_number: values.phone_number || null,
    });
    const shown = { ...values, password: "" };
    if (!parsed.success) return usersPage(c, fieldErrorsOf(parsed.error.issues), shown, 400);
    try {
      await createUserAccount(c.get("deps"), dashboardActor(c), newUserRequestOf(parsed.data));
    } catch (err) {
      const errors = formErrorOf(err, USER_FIELDS);
      if (errors._form === "Email already registered.") return usersPage(c, { email: errors._form }, shown, 400);
      return usersPage(c, errors, shown, 400);
    }
    return c.redirect("/dashboard/admin/users?notice=created", 303);
  })
  .get("/dashboard/admin/users/:id/disable", async (c) => {
    const user = await findUser(c.get("deps"), c.req.param("id"));
    const who = user ? `${user.email} (${user.userType})` : "this account";
    return renderPage(
      c,
      "Disable this account?",
      <Confirmation
        message={`${who} can no longer sign in, and every session it has ends now.`}
        action={`/dashboard/admin/users/${encodeURIComponent(c.req.param("id"))}/disable`}
        confirmLabel="Disable account"
        busyLabel="Disabling…"
        cancelHref="/dashboard/admin/users"
        formToken={c.get("formToken")}
      />,
    );
  })
  .post("/dashboard/admin/users/:id/disable", async (c) => {
    await disableUser(c.get("deps"), dashboardActor(c), c.req.param("id"));
    return c.redirect("/dashboard/admin/users?notice=disabled", 303);
  })
  .get("/dashboard/admin/audit", async (c) => {
    const action = AUDIT_ACTIONS.find((a) => a === c.req.query("action"));
    const tenant = c.req.query("tenant")?.trim().slice(0, 64) || undefined;
    const actor = c.req.query("actor")?.trim().slice(0, 64) || undefined;
    const filter = {
      ...(action ? { action } : {}),
      ...(tenant ? { tenant } : {}),
      ...(actor ? { actorPublicId: actor } : {}),
    };
    const page = await findAuditEvents(c.get("deps"), filter, pageOf(c));
    return renderPage(c, "Audit log", <AuditTable page={page} filter={{ action, tenant, actor }} />);
  });
