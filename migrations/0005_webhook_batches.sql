CREATE TYPE "public"."webhook_delivery_mode" AS ENUM('IMMEDIATE', 'HOURLY', 'DAILY');--> statement-breakpoint
CREATE TABLE "webhook_batch_items" (
	"webhook_id" uuid NOT NULL,
	"event_seq" bigint NOT NULL,
	"mode" "webhook_delivery_mode" NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"payload" jsonb NOT NULL,
	CONSTRAINT "webhook_batch_items_webhook_id_event_seq_pk" PRIMARY KEY("webhook_id","event_seq")
);
--> statement-breakpoint
ALTER TABLE "webhooks" ADD COLUMN "schedule" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_batch_items" ADD CONSTRAINT "webhook_batch_items_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_batch_items_due_idx" ON "webhook_batch_items" USING btree ("window_end");