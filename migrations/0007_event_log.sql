CREATE TABLE "event_log" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"log_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- The log's identity and cursor-signing key: made once per database, from the server's strong random source (gen_random_uuid).
INSERT INTO "event_log" ("secret") VALUES (replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''));
