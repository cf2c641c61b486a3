-- entity_aliases: other names of an entity, keyed like entities.key. Aliasing merges an entity of that name
-- into the canonical one (application code, src/modules/entities/entity-aliases.service.ts); publishes resolve them.
CREATE TABLE "entity_aliases" (
	"key" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"entity_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "entity_aliases" ADD CONSTRAINT "entity_aliases_entity_id_entities_id_fk" FOREIGN KEY ("entity_id") REFERENCES "public"."entities"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "entity_aliases_entity_idx" ON "entity_aliases" USING btree ("entity_id");