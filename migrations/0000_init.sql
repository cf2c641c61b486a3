CREATE TYPE "public"."importance" AS ENUM('HIGH', 'MEDIUM', 'LOW');--> statement-breakpoint
CREATE TYPE "public"."source_kind" AS ENUM('WEB', 'ARXIV', 'UNRESOLVED');--> statement-breakpoint
CREATE TYPE "public"."event_type" AS ENUM('ITEM_PUBLISHED', 'ITEM_UPDATED', 'ITEM_REMOVED', 'REPORT_PUBLISHED');--> statement-breakpoint
CREATE TABLE "report_keywords" (
	"report_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"keyword" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"date_text" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"draft" boolean DEFAULT false NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"tag_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"watchlist" text[] DEFAULT '{}'::text[] NOT NULL,
	"description" text,
	"summary" text,
	"cover_image" text,
	"cover_alt" text,
	"cover_relative" boolean,
	"article_count" integer,
	"topic_count" integer,
	"collection_window" text,
	"generated_at_text" text,
	"intro" text,
	"item_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reports_slug_key" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "sections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"report_id" uuid NOT NULL,
	"key" text NOT NULL,
	"title" text NOT NULL,
	"title_en" text,
	"position" integer NOT NULL,
	"prose" boolean DEFAULT false NOT NULL,
	"body" text,
	CONSTRAINT "sections_report_key_key" UNIQUE("report_id","key")
);
--> statement-breakpoint
CREATE TABLE "items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"report_id" uuid NOT NULL,
	"section_id" uuid NOT NULL,
	"section_key" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"draft" boolean NOT NULL,
	"position" integer NOT NULL,
	"title" text NOT NULL,
	"summary" text,
	"details" text,
	"applications" text,
	"body" text,
	"importance" "importance",
	"importance_rank" smallint DEFAULT 0 NOT NULL,
	"extra" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "entities_key_key" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "item_entities" (
	"item_id" uuid NOT NULL,
	"entity_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"item_position" integer NOT NULL,
	"draft" boolean NOT NULL,
	CONSTRAINT "item_entities_pkey" PRIMARY KEY("item_id","entity_id")
);
--> statement-breakpoint
CREATE TABLE "sources" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sources_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"item_id" uuid,
	"section_id" uuid,
	"position" integer NOT NULL,
	"label" text NOT NULL,
	"url" text,
	"kind" "source_kind" NOT NULL,
	"domain" text,
	"ref" text,
	CONSTRAINT "sources_owner_check" CHECK (("sources"."item_id" IS NULL) <> ("sources"."section_id" IS NULL))
);
--> statement-breakpoint
CREATE TABLE "item_tags" (
	"item_id" uuid NOT NULL,
	"tag_key" text NOT NULL,
	"tag" text NOT NULL,
	"position" integer NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"item_position" integer NOT NULL,
	"importance_rank" smallint NOT NULL,
	"draft" boolean NOT NULL,
	CONSTRAINT "item_tags_pkey" PRIMARY KEY("item_id","tag_key")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"tx" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"type" "event_type" NOT NULL,
	"report_id" uuid NOT NULL,
	"item_id" uuid,
	"facts" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "report_keywords" ADD CONSTRAINT "report_keywords_report_id_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."reports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sections" ADD CONSTRAINT "sections_report_id_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."reports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_report_id_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."reports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_entities" ADD CONSTRAINT "item_entities_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_entities" ADD CONSTRAINT "item_entities_entity_id_entities_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entities"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sources" ADD CONSTRAINT "sources_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sources" ADD CONSTRAINT "sources_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_tags" ADD CONSTRAINT "item_tags_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "report_keywords_report_idx" ON "report_keywords" USING btree ("report_id","position");--> statement-breakpoint
CREATE INDEX "reports_published_idx" ON "reports" USING btree ("published_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE NOT "reports"."draft";--> statement-breakpoint
CREATE INDEX "reports_tag_keys_idx" ON "reports" USING gin ("tag_keys");--> statement-breakpoint
CREATE INDEX "items_feed_idx" ON "items" USING btree ("published_at" DESC NULLS LAST,"position","id") WHERE NOT "items"."draft";--> statement-breakpoint
CREATE INDEX "items_importance_feed_idx" ON "items" USING btree ("importance_rank","published_at" DESC NULLS LAST,"position","id") WHERE NOT "items"."draft";--> statement-breakpoint
CREATE INDEX "items_report_idx" ON "items" USING btree ("report_id","position");--> statement-breakpoint
CREATE INDEX "items_section_idx" ON "items" USING btree ("section_id","position");--> statement-breakpoint
CREATE INDEX "item_entities_entity_feed_idx" ON "item_entities" USING btree ("entity_id","published_at" DESC NULLS LAST,"item_position","item_id") WHERE NOT "item_entities"."draft";--> statement-breakpoint
CREATE INDEX "sources_item_idx" ON "sources" USING btree ("item_id","position") WHERE "sources"."item_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "sources_section_idx" ON "sources" USING btree ("section_id","position") WHERE "sources"."section_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "item_tags_feed_idx" ON "item_tags" USING btree ("tag_key","published_at" DESC NULLS LAST,"item_position","item_id") WHERE NOT "item_tags"."draft";--> statement-breakpoint
CREATE INDEX "events_tx_seq_idx" ON "events" USING btree ("tx","seq");--> statement-breakpoint
CREATE INDEX "events_created_idx" ON "events" USING btree ("created_at");