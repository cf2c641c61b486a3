import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { ItemFilterInput } from '../../modules/items/item-filter';

export const webhookFormatEnum = pgEnum('webhook_format', ['JSON', 'SLACK', 'DISCORD']);
export const deliveryStatusEnum = pgEnum('delivery_status', ['PENDING', 'SUCCEEDED', 'DEAD']);

/** An endpoint that gets the items its filter matches, signed with its secret. */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  format: webhookFormatEnum('format').notNull(),
  /** The ItemFilter as given (normalised again on use, like a subscription's). */
  filter: jsonb('filter').$type<ItemFilterInput>().notNull().default({}),
  enabled: boolean('enabled').notNull().default(true),
  /** Why it was turned off by the system (a 410 from the receiver), if it was. */
  disabledReason: text('disabled_reason'),
  secret: text('secret').notNull(),
  /** The secret before the last rotation, still signing until `previousSecretUntil`. */
  previousSecret: text('previous_secret'),
  previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * The outbox: one row per (endpoint, event), written from the event log in the dispatcher's
 * transaction, so nothing matched is lost to a crash. Workers claim due rows with SKIP LOCKED.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventSeq: bigint('event_seq', { mode: 'number' }).notNull(),
    /** What the endpoint is sent (rendered once, when the row is written: retries send the same). */
    payload: jsonb('payload').notNull(),
    status: deliveryStatusEnum('status').notNull().default('PENDING'),
    attempts: smallint('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastLatencyMs: integer('last_latency_ms'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_idx').on(t.webhookId, t.eventSeq),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'PENDING'`),
  ],
);

/** Where the dispatcher has read the event log up to (one row). */
export const webhookCursor = pgTable('webhook_cursor', {
  id: smallint('id').primaryKey().default(1),
  tx: text('tx').notNull().default('0'),
  seq: bigint('seq', { mode: 'number' }).notNull().default(0),
});
