import { boolean, doublePrecision, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Token buckets of the rate limiter, one row per subject (an API key, or an IP for anonymous
 * callers), shared by every instance on the database. Refilled lazily on each take.
 */
export const rateLimitBuckets = pgTable('rate_limit_buckets', {
  subject: text('subject').primaryKey(),
  tokens: doublePrecision('tokens').notNull(),
  /** Whether the last take was granted: what the single upsert returns. */
  granted: boolean('granted').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
