CREATE TABLE `external_identities` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` integer NOT NULL,
	`issuer` text NOT NULL,
	`subject` text NOT NULL,
	`tenant_user_id` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_user_id`) REFERENCES `tenant_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `external_identities_tenant_issuer_subject_unique` ON `external_identities` (`tenant_id`,`issuer`,`subject`);--> statement-breakpoint
CREATE INDEX `external_identities_tenant_user_idx` ON `external_identities` (`tenant_user_id`);--> statement-breakpoint
CREATE TABLE `identity_providers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`public_id` text NOT NULL,
	`tenant_id` integer NOT NULL,
	`issuer` text NOT NULL,
	`audience` text NOT NULL,
	`jwks_url` text,
	`jwks_inline` text,
	`allowed_algorithms` text NOT NULL,
	`claim_mapping` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_providers_public_id_unique` ON `identity_providers` (`public_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `identity_providers_tenant_issuer_unique` ON `identity_providers` (`tenant_id`,`issuer`);--> statement-breakpoint
CREATE TABLE `refresh_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`family_id` text NOT NULL,
	`tenant_id` integer NOT NULL,
	`tenant_user_id` integer NOT NULL,
	`auth_type` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`rotated_at` integer,
	`replaced_by` text,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_user_id`) REFERENCES `tenant_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `refresh_tokens_family_idx` ON `refresh_tokens` (`family_id`);--> statement-breakpoint
CREATE TABLE `tenant_settings` (
	`tenant_id` integer PRIMARY KEY NOT NULL,
	`allow_jwt_for_unauthenticated_users` integer DEFAULT false NOT NULL,
	`enabled_auth_types` text DEFAULT '[]' NOT NULL,
	`admin_identities` text DEFAULT '[]' NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `tenant_users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`public_id` text NOT NULL,
	`tenant_id` integer NOT NULL,
	`kind` text NOT NULL,
	`email` text,
	`name` text,
	`raw_login_data` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenant_users_public_id_unique` ON `tenant_users` (`public_id`);--> statement-breakpoint
CREATE INDEX `tenant_users_tenant_idx` ON `tenant_users` (`tenant_id`);