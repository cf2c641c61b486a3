ALTER TABLE "entities" ADD COLUMN "mention_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "entities" ADD COLUMN "first_seen" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "entities" ADD COLUMN "last_seen" timestamp with time zone;--> statement-breakpoint
UPDATE "entities" SET "mention_count" = s.n, "first_seen" = s.f, "last_seen" = s.l
FROM (SELECT "entity_id", count(*)::int AS n, min("published_at") AS f, max("published_at") AS l
      FROM "item_entities" WHERE NOT "draft" GROUP BY "entity_id") AS s
WHERE s."entity_id" = "entities"."id";
