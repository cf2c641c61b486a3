import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { items } from './items';

export const entities = pgTable('entities', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** NFKC, case-folded, whitespace collapsed: `GPT-OSS` and `gpt-oss` are one entity. */
  key: text('key').notNull().unique('entities_key_key'),
  /** The display name the entity was first seen with. */
  name: text('name').notNull(),
  /**
   * Published mentions and their first and last dates, kept up to date by the publishing
   * transaction: aggregating them per request costs O(mentions) for the most named entities.
   */
  mentionCount: integer('mention_count').notNull().default(0),
  firstSeen: timestamp('first_seen', { withTimezone: true, mode: 'date' }),
  lastSeen: timestamp('last_seen', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const itemEntities = pgTable(
  'item_entities',
  {
    itemId: uuid('item_id').notNull().references(() => items.id, { onDelete: 'cascade' }),
    // An entity outlives the items that mention it; it is never deleted from under one.
    entityId: uuid('entity_id').notNull().references(() => entities.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
    /** The name as this item wrote it. */
    name: text('name').notNull(),
    /** Copies of the item's values: an entity's newest items are one index range. */
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }).notNull(),
    itemPosition: integer('item_position').notNull(),
    draft: boolean('draft').notNull(),
  },
  (t) => [
    primaryKey({ name: 'item_entities_pkey', columns: [t.itemId, t.entityId] }),
    index('item_entities_entity_feed_idx')
      .on(t.entityId, t.publishedAt.desc(), t.itemPosition, t.itemId)
      .where(sql`NOT ${t.draft}`),
    // trendingEntities: a window's mentions are one range, read from the index alone.
    index('item_entities_published_idx').on(t.publishedAt, t.entityId).where(sql`NOT ${t.draft}`),
  ],
);

/**
 * Other names of an entity (`Open AI` → OpenAI, `Alibaba` → 阿里巴巴). Keyed like `entities.key`
 * (the ingest `normaliseKey`), and always pointing at a canonical entity, never at another alias:
 * a name is either an entity's key or an alias key, never both (aliasing merges the entity away).
 * Publishes attach a mention of an alias to its canonical entity.
 */
export const entityAliases = pgTable(
  'entity_aliases',
  {
    key: text('key').primaryKey(),
    /** The alias as the admin wrote it (whitespace collapsed): what `Entity.aliases` lists and search indexes. */
    name: text('name').notNull(),
    // The canonical entity is never deleted while it has aliases (an entity is only deleted by being merged, which moves its aliases first).
    entityId: uuid('entity_id').notNull().references(() => entities.id, { onDelete: 'restrict' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('entity_aliases_entity_idx').on(t.entityId)],
);
