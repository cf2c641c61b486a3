-- Rows published before this column are filled by the application right after migrating
-- (src/modules/search/search-backfill.ts): the search text is tokenised in JS, not SQL.
ALTER TABLE "items" ADD COLUMN "search" "tsvector";--> statement-breakpoint
CREATE INDEX "items_search_idx" ON "items" USING gin ("search") WHERE NOT "items"."draft";