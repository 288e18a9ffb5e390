-- The API-key change feed (schema.ts `apiKeyChanges`). The triggers are written by hand
-- (drizzle-kit does not express triggers): every change to a column the verification read
-- (storage/api-keys.ts) returns, to a key's existence, or to its business's status or public id,
-- adds one row per key affected, so no write path can leave an isolate serving an old record.
-- A usage flush sets only `usage_count` and `last_used_at`, which fire nothing.
CREATE TABLE `api_key_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lookup_hash` text NOT NULL,
	`changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER `api_key_changes_on_update`
AFTER UPDATE OF `public_id`, `business_id`, `kind`, `mode`, `permissions`, `hash`, `expires_at`, `revoked_at`, `replaced_by`, `grace_until`, `allowed_origins` ON `api_keys`
BEGIN
	INSERT INTO `api_key_changes` (`lookup_hash`, `changed_at`)
	VALUES (OLD.`hash`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `api_key_changes_on_delete`
AFTER DELETE ON `api_keys`
BEGIN
	INSERT INTO `api_key_changes` (`lookup_hash`, `changed_at`)
	VALUES (OLD.`hash`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
--> statement-breakpoint
CREATE TRIGGER `api_key_changes_on_business_update`
AFTER UPDATE OF `status`, `public_id` ON `businesses`
BEGIN
	INSERT INTO `api_key_changes` (`lookup_hash`, `changed_at`)
	SELECT `hash`, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
	FROM `api_keys` WHERE `business_id` = NEW.`id`;
END;
