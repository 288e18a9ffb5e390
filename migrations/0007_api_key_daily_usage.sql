-- Requests per API key per UTC day (the dashboard chart), moved from KV so that one upsert per
-- usage flush adds them; the daily cron deletes days older than 30. WITHOUT ROWID (written by
-- hand: drizzle-kit cannot express it) makes the primary key the table, so a new key-day is one
-- row written in D1's billing rather than two.
CREATE TABLE `api_key_daily_usage` (
	`key_id` integer NOT NULL,
	`day` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`key_id`, `day`),
	FOREIGN KEY (`key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
