import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { apiKeys } from '../../db/tables';

export type ApiKeyRecord = typeof apiKeys.$inferSelect;
export type NewApiKeyRow = Pick<typeof apiKeys.$inferInsert, 'name' | 'scopes' | 'expiresAt' | 'prefix' | 'hash'>;

/** Inserts a key; null when a live key of that name exists (the unique index on live names). */
export async function insertApiKey(db: Executor, row: NewApiKeyRow): Promise<ApiKeyRecord | null> {
  const [record] = await db.insert(apiKeys).values(row).onConflictDoNothing().returning();
  return record ?? null;
}

export async function listApiKeys(db: Executor): Promise<ApiKeyRecord[]> {
  return db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt));
}

/** Revokes every live key whose id (when `id` is given), name or prefix is `which`; returns them. */
export async function revokeLiveKeys(db: Executor, which: string, id: string | null, now: Date): Promise<ApiKeyRecord[]> {
  const byId = id ? eq(apiKeys.id, id) : undefined;
  return db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(isNull(apiKeys.revokedAt), or(byId, eq(apiKeys.name, which), eq(apiKeys.prefix, which))))
    .returning();
}

export async function keyByHash(db: Executor, hash: string): Promise<ApiKeyRecord | null> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.hash, hash));
  return row ?? null;
}

/** Notes that a key was used, at most once a minute per key (no write per request). */
export async function touchApiKey(db: Executor, id: string): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sql`now() - interval '1 minute'`))));
}
