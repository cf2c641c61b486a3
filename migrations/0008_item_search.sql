-- Rows published before the search column are filled by the application right after migrating
-- (src/modules/search/search-backfill.ts): the search text is tokenised in JS, not SQL.
ALTER TABLE "items" ADD COLUMN "search" "tsvector";--> statement-breakpoint
CREATE INDEX "items_search_idx" ON "items" USING gin ("search") WHERE NOT "items"."draft";--> statement-breakpoint
CREATE INDEX "item_entities_published_idx" ON "item_entities" USING btree ("published_at","entity_id") WHERE NOT "item_entities"."draft";