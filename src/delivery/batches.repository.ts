import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/client';
import { rowsOf } from '../db/migrations';
import { webhookBatchItems } from '../db/tables';
import type { WebhookFormat } from '../modules/webhooks/webhooks.repository';
import type { WebhookPayload } from './payload';
import type { BatchMode } from '../modules/webhooks/schedule';

export type NewBatchItem = typeof webhookBatchItems.$inferInsert;

/** A parked event of a window that has ended, with its endpoint's format. */
export interface DueBatchItem {
  webhook_id: string;
  event_seq: string | number;
  mode: BatchMode;
  window_start: string | Date;
  window_end: string | Date;
  payload: WebhookPayload;
  format: WebhookFormat;
}

/** A key no other advisory lock in digestql uses: one closer at a time, the others skip. */
const CLOSER_LOCK = 0x64716200 + 6;

/** Parks matched events; one parked already (same endpoint and event) is left as it is. */
export async function insertBatchItems(db: Executor, rows: NewBatchItem[]): Promise<void> {
  await db.insert(webhookBatchItems).values(rows).onConflictDoNothing();
}

/** Takes the closer's lock for the transaction if no one holds it; false: another closer runs. */
export async function tryCloserLock(tx: Executor): Promise<boolean> {
  const [lock] = rowsOf<{ ok: boolean }>(await tx.execute(sql`SELECT pg_try_advisory_xact_lock(${CLOSER_LOCK}) AS ok`));
  return !!lock?.ok;
}

/** The parked events of the first `maxWindows` (endpoint, window) pairs that ended by `now`, in order. */
export async function dueBatchItems(tx: Executor, now: Date, maxWindows: number): Promise<DueBatchItem[]> {
  return rowsOf<DueBatchItem>(
    await tx.execute(sql`
        SELECT b.webhook_id, b.event_seq, b.mode, b.window_start, b.window_end, b.payload, w.format
        FROM ${webhookBatchItems} b JOIN webhooks w ON w.id = b.webhook_id
        WHERE (b.webhook_id, b.window_end) IN (
          SELECT DISTINCT webhook_id, window_end FROM ${webhookBatchItems} WHERE window_end <= ${now.toISOString()}::timestamptz
          ORDER BY window_end LIMIT ${maxWindows})
        ORDER BY b.webhook_id, b.window_end, b.event_seq`),
  );
}

export async function deleteBatchItems(tx: Executor, webhookId: string, eventSeqs: number[]): Promise<void> {
  await tx.delete(webhookBatchItems).where(and(eq(webhookBatchItems.webhookId, webhookId), inArray(webhookBatchItems.eventSeq, eventSeqs)));
}

/** What waits for its window, per endpoint: one row per (mode, window). */
export async function pendingBatchWindows(db: Executor, webhookId: string) {
  return db
    .select({ mode: webhookBatchItems.mode, windowStart: webhookBatchItems.windowStart, sendsAt: webhookBatchItems.windowEnd, itemCount: sql<number>`count(*)::int` })
    .from(webhookBatchItems)
    .where(eq(webhookBatchItems.webhookId, webhookId))
    .groupBy(webhookBatchItems.mode, webhookBatchItems.windowStart, webhookBatchItems.windowEnd)
    .orderBy(webhookBatchItems.windowEnd);
}
