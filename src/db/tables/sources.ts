import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { sourceKindEnum } from './enums';
import { items } from './items';
import { sections } from './sections';

export const sources = pgTable(
  'sources',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    itemId: uuid('item_id').references(() => items.id, { onDelete: 'cascade' }),
    sectionId: uuid('section_id').references(() => sections.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    label: text('label').notNull(),
    url: text('url'),
    kind: sourceKindEnum('kind').notNull(),
    domain: text('domain'),
    ref: text('ref'),
  },
  (t) => [
    check('sources_owner_check', sql`(${t.itemId} IS NULL) <> (${t.sectionId} IS NULL)`),
    index('sources_item_idx').on(t.itemId, t.position).where(sql`${t.itemId} IS NOT NULL`),
    index('sources_section_idx').on(t.sectionId, t.position).where(sql`${t.sectionId} IS NOT NULL`),
  ],
);
