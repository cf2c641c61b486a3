ALTER TYPE "public"."event_type" ADD VALUE 'ENTITIES_CHANGED';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'REPORT_WITHDRAWN';--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "report_id" DROP NOT NULL;