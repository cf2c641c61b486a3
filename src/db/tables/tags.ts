import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { items } from './items';

export const itemTags = pgTable(
  'item_tags',
  {
    itemId: uuid('item_id').notNull().references(() => items.id, { onDelete: 'cascade' }),
    /** Folded (NFKC, lower case): what filters compare. */
    tagKey: text('tag_key').notNull(),
    tag: text('tag').notNull(),
    position: integer('position').notNull(),
    /** Copies of the item's values: a tag's newest items are one index range. */
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }).notNull(),
    itemPosition: integer('item_position').notNull(),
    importanceRank: smallint('importance_rank').notNull(),
    draft: boolean('draft').notNull(),
  },
  (t) => [
    primaryKey({ name: 'item_tags_pkey', columns: [t.itemId, t.tagKey] }),
    index('item_tags_feed_idx').on(t.tagKey, t.publishedAt.desc(), t.itemPosition, t.itemId).where(sql`NOT ${t.draft}`),
  ],
);
