import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { ItemFilterInput } from '../../modules/items/item-filter';

export const webhookFormatEnum = pgEnum('webhook_format', ['JSON', 'SLACK', 'DISCORD']);
export const deliveryStatusEnum = pgEnum('delivery_status', ['PENDING', 'SUCCEEDED', 'DEAD']);
export const deliveryModeEnum = pgEnum('webhook_delivery_mode', ['IMMEDIATE', 'HOURLY', 'DAILY']);

/** When an endpoint gets items of each importance (unrated items follow LOW); absent: IMMEDIATE. */
export interface WebhookSchedule {
  HIGH?: 'IMMEDIATE' | 'HOURLY' | 'DAILY';
  MEDIUM?: 'IMMEDIATE' | 'HOURLY' | 'DAILY';
  LOW?: 'IMMEDIATE' | 'HOURLY' | 'DAILY';
  /** The UTC hour at which DAILY batches are sent (0-23; default 0). */
  dailyHourUtc?: number;
}

/** An endpoint that gets the items its filter matches, signed with its secret. */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  format: webhookFormatEnum('format').notNull(),
  /** The ItemFilter as given (normalised again on use, like a subscription's). */
  filter: jsonb('filter').$type<ItemFilterInput>().notNull().default({}),
  enabled: boolean('enabled').notNull().default(true),
  /** Immediate or batched delivery per importance. */
  schedule: jsonb('schedule').$type<WebhookSchedule>().notNull().default({}),
  /** Why it was turned off by the system (a 410 from the receiver), if it was. */
  disabledReason: text('disabled_reason'),
  secret: text('secret').notNull(),
  /** The secret before the last rotation, still signing until `previousSecretUntil`. */
  previousSecret: text('previous_secret'),
  previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true, mode: 'date' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  /** Slack and Discord: the earliest moment the next message may go (send slots shared by every process). */
  nextSendAt: timestamp('next_send_at', { withTimezone: true, mode: 'date' }),
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

/**
 * Matched events waiting for their batch window (HOURLY / DAILY delivery). Written with the
 * outbox in the dispatcher's transaction; when the window ends they become delivery rows (one per
 * message) and are deleted, in one transaction: a crash loses or repeats nothing.
 */
export const webhookBatchItems = pgTable(
  'webhook_batch_items',
  {
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventSeq: bigint('event_seq', { mode: 'number' }).notNull(),
    mode: deliveryModeEnum('mode').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true, mode: 'date' }).notNull(),
    /** When the batch is sent. */
    windowEnd: timestamp('window_end', { withTimezone: true, mode: 'date' }).notNull(),
    /** The event's JSON payload (the same as an immediate delivery's). */
    payload: jsonb('payload').notNull(),
  },
  (t) => [primaryKey({ columns: [t.webhookId, t.eventSeq] }), index('webhook_batch_items_due_idx').on(t.windowEnd)],
);
