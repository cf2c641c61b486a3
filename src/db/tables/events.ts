import { sql } from 'drizzle-orm';
import { bigint, customType, index, jsonb, pgEnum, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A 64-bit transaction id; readers use it to never skip an event that commits late. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * ENTITIES_CHANGED: entity names changed outside a publish (an alias added or removed), which may
 * rename or merge entities in every report; no report of its own. Subscriptions and webhooks skip
 * it; response caches drop everything. REPORT_WITHDRAWN: a published report taken back to draft
 * (its items' ITEM_REMOVED events come with it, but a report without items has no other event).
 */
export const eventTypeEnum = pgEnum('event_type', ['ITEM_PUBLISHED', 'ITEM_UPDATED', 'ITEM_REMOVED', 'REPORT_PUBLISHED', 'ENTITIES_CHANGED', 'REPORT_WITHDRAWN']);

/** What filters need to match an item event without reading the item (and all a removed item still has). */
export interface EventFacts {
  /** Empty for ENTITIES_CHANGED (whose `entityKeys` are the names that changed, `title` what was done). */
  reportSlug: string;
  sectionKey?: string;
  importanceRank?: number;
  tagKeys?: string[];
  entityKeys?: string[];
  /** The aliases of those entities when the event was written: a filter may name an entity by any of them. */
  entityAliasKeys?: string[];
  publishedAt: string;
  title: string;
  /** Item events: the item's search document as a tsvector literal, for live search (`filter.query`). */
  search?: string;
  /** Only on ITEM_REMOVED: where the item stood, to rebuild its last public state. */
  sectionId?: string;
  position?: number;
}

/**
 * The one event log that subscriptions, webhooks and feeds read. Appended in the transaction that
 * changes the data; read in (tx, seq) order, and only below the oldest running transaction, so a
 * transaction that took its seq early and committed late is never skipped by a reader.
 */
export const events = pgTable(
  'events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    tx: xid8('tx').notNull().default(sql`pg_current_xact_id()`),
    type: eventTypeEnum('type').notNull(),
    /** Null for ENTITIES_CHANGED (about no report). */
    reportId: uuid('report_id'),
    /** Null for report events. No foreign key: a removed item's events outlive it. */
    itemId: uuid('item_id'),
    facts: jsonb('facts').$type<EventFacts>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('events_tx_seq_idx').on(t.tx, t.seq), index('events_created_idx').on(t.createdAt)],
);

/**
 * The log's identity, one row made by the migration: cursors carry `logId` and an HMAC keyed by
 * `secret`, so a cursor from another database (another log) or a forged one is refused. Never
 * shown to clients; the same in every process on one database.
 */
export const eventLog = pgTable('event_log', {
  id: smallint('id').primaryKey().default(1),
  logId: uuid('log_id').notNull().defaultRandom(),
  secret: text('secret').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
