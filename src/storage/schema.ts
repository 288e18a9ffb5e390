import { sql } from "drizzle-orm";
import {
  type AnySQLiteColumn,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import {
  type AdminIdentity,
  API_KEY_KINDS,
  API_KEY_MODES,
  type ApiKeyPermission,
  BUSINESS_STATUSES,
  type ClaimMapping,
  type IdpAlgorithm,
  MEMBER_ROLES,
  type OptInAuthType,
  PERS_AUTH_TYPES,
  type PublicJwk,
  REFRESH_TOKEN_STATUSES,
  TENANT_USER_KINDS,
  TENANT_USER_STATUSES,
  USER_STATUSES,
  USER_TYPES,
} from "../domain";

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`);
const updatedAt = () =>
  integer("updated_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`);

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    publicId: text("public_id").notNull(),
    userType: text("user_type", { enum: USER_TYPES }).notNull(),
    /** The address as the user typed it, for display. */
    email: text("email").notNull(),
    /** Lower-cased and trimmed: what uniqueness and look-ups use. */
    emailNormalized: text("email_normalized").notNull(),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    displayName: text("display_name").notNull().default(""),
    phoneNumber: text("phone_number"),
    passwordHash: text("password_hash"),
    status: text("status", { enum: USER_STATUSES }).notNull().default("active"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("users_public_id_unique").on(table.publicId),
    uniqueIndex("users_email_normalized_unique").on(table.emailNormalized),
  ],
);

export const businesses = sqliteTable(
  "businesses",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    publicId: text("public_id").notNull(),
    name: text("name").notNull(),
    status: text("status", { enum: BUSINESS_STATUSES }).notNull().default("pending"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex("businesses_public_id_unique").on(table.publicId)],
);

export const businessMembers = sqliteTable(
  "business_members",
  {
    businessId: integer("business_id")
      .notNull()
      .references(() => businesses.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** See services/admin/member-roles.ts. New members are developers unless a role is given. */
    role: text("role", { enum: MEMBER_ROLES }).notNull().default("developer"),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.businessId, table.userId] }),
    index("business_members_user_idx").on(table.userId),
  ],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** `key_…`: how clients and the management API name a key. */
    publicId: text("public_id").notNull(),
    businessId: integer("business_id")
      .notNull()
      .references(() => businesses.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: API_KEY_KINDS }).notNull(),
    mode: text("mode", { enum: API_KEY_MODES }).notNull(),
    permissions: text("permissions", { mode: "json" }).$type<ApiKeyPermission[]>().notNull(),
    /** SHA-256 (base64url) of the key without its checksum; the plaintext is never stored. */
    hash: text("hash").notNull(),
    /** The first characters of the key, enough to recognise it in a list. */
    displayPrefix: text("display_prefix").notNull(),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    usageCount: integer("usage_count").notNull().default(0),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    /** Set when the key was rolled: its successor, and when this key stops working. */
    replacedBy: integer("replaced_by").references((): AnySQLiteColumn => apiKeys.id, { onDelete: "set null" }),
    graceUntil: integer("grace_until", { mode: "timestamp_ms" }),
    /**
     * Publishable keys only: the exact browser origins whose requests the key may authenticate
     * (a request with another `Origin` is refused). Null: no origin restriction.
     */
    allowedOrigins: text("allowed_origins", { mode: "json" }).$type<string[]>(),
  },
  (table) => [
    uniqueIndex("api_keys_public_id_unique").on(table.publicId),
    uniqueIndex("api_keys_hash_unique").on(table.hash),
    index("api_keys_business_idx").on(table.businessId, table.id),
  ],
);

/**
 * Every change to what verifies an API key (revoked, rolled, deleted, its business's status), in
 * commit order. Triggers write it (migration 0009), so no code path can change a key without a
 * row here; each isolate reads the new rows every `API_KEY_CACHE_SECONDS` and drops those keys
 * from memory (`services/api-keys/key-change-feed.ts`), one read for all the keys it holds. Rows
 * older than a day are deleted by the daily cron, which scans for them: no index on `changed_at`,
 * as an index entry is one more row written per change.
 */
export const apiKeyChanges = sqliteTable("api_key_changes", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  lookupHash: text("lookup_hash").notNull(),
  /** Epoch ms, D1's clock; only retention reads it. */
  changedAt: integer("changed_at").notNull(),
});

/**
 * Requests per key per UTC day, for the dashboard's usage chart. Written by the usage flush beside
 * `api_keys.usage_count` (one upsert per flush); days older than `DAILY_USAGE_DAYS` are deleted by
 * the daily cron. D1 bills every index entry a write touches as a row written, so the table is
 * `WITHOUT ROWID` (its primary key is the table: one row written per new key-day; drizzle cannot
 * say so, the migration does) and has no index on `day`: the daily prune scans it instead, and a
 * row read costs a thousandth of a row written.
 */
export const apiKeyDailyUsage = sqliteTable(
  "api_key_daily_usage",
  {
    keyId: integer("key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    /** `YYYY-MM-DD`, UTC. */
    day: text("day").notNull(),
    count: integer("count").notNull(),
  },
  (table) => [primaryKey({ columns: [table.keyId, table.day] })],
);

/** Who did what to whom: admin actions and API-key changes, written after the response. */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    actorPublicId: text("actor_public_id"),
    /** A user type (`adminuser`, `user`, `agent`), `api_key`, `anonymous` (a failed login) or `system`. */
    actorType: text("actor_type").notNull(),
    /** `{subject}.{verb}`, e.g. `api_key.revoke`, `user.disable`. */
    action: text("action").notNull(),
    /** Public id of the business the action concerns, if any. */
    tenant: text("tenant"),
    /** Public id of the object acted upon. */
    target: text("target"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (table) => [
    index("audit_events_action_idx").on(table.action, table.id),
    index("audit_events_actor_idx").on(table.actorPublicId, table.id),
    index("audit_events_tenant_idx").on(table.tenant, table.id),
    // Retention deletes by age.
    index("audit_events_at_idx").on(table.at),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type BusinessRow = typeof businesses.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;

// ---------------------------------------------------------------------------------------------
// PERS token exchange. A tenant is a row of `businesses`; its end users are `tenant_users`,
// unrelated to the dashboard `users` above.

export const identityProviders = sqliteTable(
  "identity_providers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    publicId: text("public_id").notNull(),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => businesses.id, { onDelete: "cascade" }),
    /** Exact `iss` of the provider's tokens; selects the provider, then is pinned by verification. */
    issuer: text("issuer").notNull(),
    audience: text("audience").notNull(),
    /** Exactly one of `jwks_url` and `jwks_inline` is set. */
    jwksUrl: text("jwks_url"),
    jwksInline: text("jwks_inline", { mode: "json" }).$type<{ keys: PublicJwk[] }>(),
    allowedAlgorithms: text("allowed_algorithms", { mode: "json" }).$type<IdpAlgorithm[]>().notNull(),
    claimMapping: text("claim_mapping", { mode: "json" }).$type<ClaimMapping>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("identity_providers_public_id_unique").on(table.publicId),
    uniqueIndex("identity_providers_tenant_issuer_unique").on(table.tenantId, table.issuer),
  ],
);

export const tenantSettings = sqliteTable("tenant_settings", {
  tenantId: integer("tenant_id")
    .primaryKey()
    .references(() => businesses.id, { onDelete: "cascade" }),
  allowJwtForUnauthenticatedUsers: integer("allow_jwt_for_unauthenticated_users", { mode: "boolean" })
    .notNull()
    .default(false),
  enabledAuthTypes: text("enabled_auth_types", { mode: "json" }).$type<OptInAuthType[]>().notNull().default(sql`'[]'`),
  adminIdentities: text("admin_identities", { mode: "json" }).$type<AdminIdentity[]>().notNull().default(sql`'[]'`),
  /** Browser origins that may call `/v2/*` for this tenant (CORS). Null: `PERS_CORS_ALLOWED_ORIGINS` applies. */
  allowedOrigins: text("allowed_origins", { mode: "json" }).$type<string[]>(),
  updatedAt: updatedAt(),
});

export const tenantUsers = sqliteTable(
  "tenant_users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    publicId: text("public_id").notNull(),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => businesses.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: TENANT_USER_KINDS }).notNull(),
    status: text("status", { enum: TENANT_USER_STATUSES }).notNull().default("active"),
    email: text("email"),
    name: text("name"),
    rawLoginData: text("raw_login_data", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("tenant_users_public_id_unique").on(table.publicId),
    index("tenant_users_tenant_idx").on(table.tenantId),
  ],
);

/** Links an external identity to a tenant user, by issuer and subject only (never by email). */
export const externalIdentities = sqliteTable(
  "external_identities",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => businesses.id, { onDelete: "cascade" }),
    issuer: text("issuer").notNull(),
    subject: text("subject").notNull(),
    tenantUserId: integer("tenant_user_id")
      .notNull()
      .references(() => tenantUsers.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("external_identities_tenant_issuer_subject_unique").on(table.tenantId, table.issuer, table.subject),
    index("external_identities_tenant_user_idx").on(table.tenantUserId),
  ],
);

/**
 * One row per PERS refresh token (`id` = its `jti`). Rotation is a conditional update of this
 * table on D1's primary: D1 has no transactions and KV no compare-and-swap, so
 * `UPDATE … WHERE status = 'active'` is the check-and-set that lets exactly one refresh win.
 */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    familyId: text("family_id").notNull(),
    tenantId: integer("tenant_id")
      .notNull()
      .references(() => businesses.id, { onDelete: "cascade" }),
    tenantUserId: integer("tenant_user_id")
      .notNull()
      .references(() => tenantUsers.id, { onDelete: "cascade" }),
    authType: text("auth_type", { enum: PERS_AUTH_TYPES }).notNull(),
    status: text("status", { enum: REFRESH_TOKEN_STATUSES }).notNull().default("active"),
    rotatedAt: integer("rotated_at", { mode: "timestamp_ms" }),
    /** The `jti` of the token this one was rotated into. */
    replacedBy: text("replaced_by"),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [index("refresh_tokens_family_idx").on(table.familyId)],
);

export type IdentityProviderRow = typeof identityProviders.$inferSelect;
export type TenantSettingsRow = typeof tenantSettings.$inferSelect;
export type TenantUserRow = typeof tenantUsers.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
