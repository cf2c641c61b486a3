import { sql } from 'drizzle-orm';
import { index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const apiKeyScopeEnum = pgEnum('api_key_scope', ['read', 'publish', 'admin']);

/**
 * API keys. Only a SHA-256 of each key is stored (keys are 256 random bits: a slow hash adds
 * nothing); `prefix` is the start of the key, shown in lists so people can tell keys apart.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    scopes: apiKeyScopeEnum('scopes').array().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('api_keys_hash_idx').on(t.hash),
    // A name names one live key; revoked keys keep theirs for the record.
    uniqueIndex('api_keys_live_name_idx').on(t.name).where(sql`${t.revokedAt} IS NULL`),
    index('api_keys_created_idx').on(t.createdAt),
  ],
);
