import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/client';
import { rowsOf } from '../db/migrations';
import { webhookBatchItems, webhookCursor, webhookDeliveries, webhooks } from '../db/tables';
import type { LogPosition } from '../modules/events/events.repository';
import type { DeliveryRecord } from '../modules/webhooks/webhooks.repository';

/** The outbox: the dispatcher's cursor into the event log, delivery rows, their claims and attempts. */

export type NewDelivery = typeof webhookDeliveries.$inferInsert;
/** What an attempt leaves on its delivery, whatever its outcome. */
export type AttemptFields = Pick<NewDelivery, 'lastStatusCode' | 'lastError' | 'lastLatencyMs'>;

/** Creates the cursor at `at` unless it exists. */
export async function initCursor(db: Executor, at: LogPosition): Promise<void> {
  await db.insert(webhookCursor).values({ id: 1, tx: at.tx, seq: at.seq }).onConflictDoNothing();
}

/** The cursor, locked until the transaction ends; null when another dispatcher holds it (SKIP LOCKED). */
export async function lockCursor(tx: Executor): Promise<LogPosition | null> {
  const [cursor] = rowsOf<{ tx: string; seq: string | number }>(await tx.execute(sql`SELECT tx, seq FROM ${webhookCursor} WHERE id = 1 FOR UPDATE SKIP LOCKED`));
  return cursor ? { tx: cursor.tx, seq: Number(cursor.seq) } : null;
}

export async function moveCursor(tx: Executor, to: LogPosition): Promise<void> {
  await tx.update(webhookCursor).set({ tx: to.tx, seq: to.seq }).where(eq(webhookCursor.id, 1));
}

/** Writes delivery rows; one that exists (same endpoint and event) is left as it is. */
export async function insertDeliveries(db: Executor, rows: NewDelivery[]): Promise<void> {
  await db.insert(webhookDeliveries).values(rows).onConflictDoNothing();
}

/**
 * Claims up to `limit` due deliveries of enabled endpoints: each claim counts an attempt and moves
 * its next attempt `leaseMs` ahead in the same statement, so no other worker (SKIP LOCKED) claims
 * it meanwhile. A paced endpoint's deliveries are claimed only while its next send slot is within
 * `pacingHorizonMs`.
 */
export async function claimDue(db: Executor, limit: number, leaseMs: number, pacingHorizonMs: number): Promise<DeliveryRecord[]> {
  const result = await db.execute(sql`
    UPDATE ${webhookDeliveries} d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
    FROM (
      SELECT wd.id FROM ${webhookDeliveries} wd JOIN ${webhooks} w ON w.id = wd.webhook_id
      WHERE wd.status = 'PENDING' AND wd.next_attempt_at <= now() AND w.enabled
        AND (w.format = 'JSON' OR w.next_send_at IS NULL OR w.next_send_at <= now() + make_interval(secs => ${pacingHorizonMs / 1000}))
      ORDER BY wd.next_attempt_at, wd.event_seq LIMIT ${limit} FOR UPDATE OF wd SKIP LOCKED
    ) due
    WHERE d.id = due.id
    RETURNING d.id`);
  const ids = rowsOf<{ id: string }>(result).map((r) => r.id);
  if (ids.length === 0) return [];
  return db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, ids));
}

/** Holds pending claims `ms` from now. */
export async function extendClaims(db: Executor, deliveryIds: string[], ms: number): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: sql`now() + make_interval(secs => ${ms / 1000})` })
    .where(and(inArray(webhookDeliveries.id, deliveryIds), eq(webhookDeliveries.status, 'PENDING')));
}

/**
 * Reserves the endpoint's next send slot, `gapMs` after the last one (on the database's clock,
 * which every process shares), and holds the delivery's claim over the wait plus `leaseMs`.
 * Returns the wait (ms).
 */
export async function reserveSendSlot(db: Executor, webhookId: string, gapMs: number, deliveryId: string, leaseMs: number): Promise<number> {
  return db.transaction(async (tx) => {
    const [row] = rowsOf<{ wait_ms: number }>(
      await tx.execute(sql`
        UPDATE ${webhooks} SET next_send_at = greatest(coalesce(next_send_at, now()), now()) + make_interval(secs => ${gapMs / 1000})
        WHERE id = ${webhookId} RETURNING (extract(epoch FROM next_send_at - now()) * 1000)::float8 - ${gapMs} AS wait_ms`),
    );
    if (!row) return 0;
    const wait = Math.max(0, Number(row.wait_ms));
    await tx.execute(sql`UPDATE ${webhookDeliveries} SET next_attempt_at = now() + make_interval(secs => ${(wait + leaseMs) / 1000}) WHERE id = ${deliveryId}`);
    return wait;
  });
}

/** Holds every message of an endpoint for at least `seconds` (it asked us to, with Retry-After). */
export async function holdEndpoint(db: Executor, webhookId: string, seconds: number): Promise<void> {
  await db.execute(sql`UPDATE ${webhooks} SET next_send_at = greatest(coalesce(next_send_at, now()), now() + make_interval(secs => ${seconds})) WHERE id = ${webhookId}`);
}

export async function markSucceeded(db: Executor, id: string, fields: AttemptFields): Promise<void> {
  await db.update(webhookDeliveries).set({ ...fields, lastError: null, status: 'SUCCEEDED', deliveredAt: sql`now()` }).where(eq(webhookDeliveries.id, id));
}

export async function markDead(db: Executor, id: string, fields: AttemptFields): Promise<void> {
  await db.update(webhookDeliveries).set({ ...fields, status: 'DEAD' }).where(eq(webhookDeliveries.id, id));
}

/** The next attempt `delayMs` from now, unless the delivery is no longer pending. */
export async function scheduleRetry(db: Executor, id: string, fields: AttemptFields, delayMs: number): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ ...fields, nextAttemptAt: sql`now() + make_interval(secs => ${delayMs / 1000})` })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'PENDING')));
}

/** Pending deliveries, the age of the oldest, and events waiting for their batch window, for /metrics. */
export async function outboxStats(db: Executor): Promise<{ pending: number; oldestSeconds: number; batched: number }> {
  const [row] = rowsOf<{ n: number; age: number | null; batched: number }>(
    await db.execute(
      sql`SELECT count(*)::int AS n, extract(epoch from now() - min(created_at))::float8 AS age, (SELECT count(*)::int FROM ${webhookBatchItems}) AS batched FROM ${webhookDeliveries} WHERE status = 'PENDING'`,
    ),
  );
  return { pending: row?.n ?? 0, oldestSeconds: row?.age ?? 0, batched: row?.batched ?? 0 };
}
