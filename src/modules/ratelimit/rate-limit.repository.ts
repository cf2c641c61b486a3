import { lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { rowsOf } from '../../db/migrations';
import { rateLimitBuckets } from '../../db/tables';

/**
 * Takes `cost` tokens from the subject's bucket in one statement (refill at `rate` per second up
 * to `capacity`, check, take, all atomic); returns what is left and whether the cost was taken.
 */
export async function takeTokens(db: Executor, subject: string, capacity: number, rate: number, cost: number): Promise<{ tokens: number; granted: boolean }> {
  const refilled = sql`least(${capacity}::float8, ${rateLimitBuckets.tokens} + extract(epoch from (now() - ${rateLimitBuckets.updatedAt})) * ${rate}::float8)`;
  const result = await db.execute(sql`
    INSERT INTO ${rateLimitBuckets} (subject, tokens, granted, updated_at)
    VALUES (${subject}, CASE WHEN ${cost}::float8 <= ${capacity}::float8 THEN ${capacity}::float8 - ${cost}::float8 ELSE ${capacity}::float8 END, ${cost}::float8 <= ${capacity}::float8, now())
    ON CONFLICT (subject) DO UPDATE SET
      tokens = CASE WHEN ${refilled} >= ${cost}::float8 THEN ${refilled} - ${cost}::float8 ELSE ${refilled} END,
      granted = ${refilled} >= ${cost}::float8,
      updated_at = now()
    RETURNING tokens, granted`);
  const [row] = rowsOf<{ tokens: number; granted: boolean }>(result);
  return { tokens: Number(row!.tokens), granted: row!.granted };
}

/** Forgets buckets idle long enough to be full again anyway. */
export async function purgeIdleBuckets(db: Executor, olderThan: Date): Promise<void> {
  await db.delete(rateLimitBuckets).where(lt(rateLimitBuckets.updatedAt, olderThan));
}
