-- Roles owner | admin | developer | viewer. Every `member` of before becomes an `admin`, which keeps
-- what they could do (live keys, bulk, every key of the business); owners stay owners.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_business_members` (
	`business_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`role` text DEFAULT 'developer' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`business_id`, `user_id`),
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_business_members`("business_id", "user_id", "role", "created_at") SELECT "business_id", "user_id", CASE "role" WHEN 'member' THEN 'admin' ELSE "role" END, "created_at" FROM `business_members`;--> statement-breakpoint
DROP TABLE `business_members`;--> statement-breakpoint
ALTER TABLE `__new_business_members` RENAME TO `business_members`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `business_members_user_idx` ON `business_members` (`user_id`);