import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/client';
import { rowsOf } from '../db/migrations';
import { webhookBatchItems, webhookDeliveries, type WebhookSchedule } from '../db/tables';
import type { WebhookBatchPayload, WebhookPayload } from './payload';
import { batchGroups } from './render';
import { windowOf, type BatchMode } from '../modules/webhooks/schedule';

/**
 * HOURLY and DAILY delivery. The dispatcher parks matched events here (in its own transaction);
 * when a window ends, `closeBatches` turns its events into delivery rows, one per message, and
 * deletes them, in one transaction. From there a batch is an ordinary delivery: signed, retried,
 * visible, redeliverable.
 */

/** The batch row for a matched event whose mode is HOURLY or DAILY. */
export function batchRow(webhookId: string, schedule: WebhookSchedule, mode: BatchMode, event: { seq: number; createdAt: Date }, payload: WebhookPayload) {
  const { start, end } = windowOf(mode, event.createdAt, schedule.dailyHourUtc ?? 0);
  return { webhookId, eventSeq: event.seq, mode, windowStart: start, windowEnd: end, payload };
}

/**
 * A window's events as the receiver should see them: one entry per item, its latest state. An
 * item published and then changed in the window arrives as published (with the change); one
 * published and removed in the window is left out; otherwise the item's last event stands.
 * Ordered by each item's first event (the digest's order).
 */
export function collapse(events: { seq: number; payload: WebhookPayload }[]): { seq: number; payload: WebhookPayload }[] {
  const byItem = new Map<string, { seq: number; payload: WebhookPayload }[]>();
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    const id = e.payload.data.item.id;
    const list = byItem.get(id);
    if (list) list.push(e);
    else byItem.set(id, [e]);
  }
  const out: { seq: number; payload: WebhookPayload }[] = [];
  for (const list of byItem.values()) {
    const first = list[0]!;
    const last = list[list.length - 1]!;
    if (first.payload.type === 'item.published') {
      if (last.payload.type === 'item.removed') continue;
      out.push({ seq: last.seq, payload: { ...last.payload, type: 'item.published' } });
    } else {
      out.push(last);
    }
  }
  return out;
}

interface DueRow {
  webhook_id: string;
  event_seq: string | number;
  mode: BatchMode;
  window_start: string | Date;
  window_end: string | Date;
  payload: WebhookPayload;
  format: 'JSON' | 'SLACK' | 'DISCORD';
}

/** A key no other advisory lock in digestql uses: one closer at a time, the others skip. */
const CLOSER_LOCK = 0x64716200 + 6;

/**
 * Sends (as delivery rows) every batch whose window ended by `now`. One closer at a time across
 * processes (an advisory lock taken with try: others skip the round), so a window is never cut in
 * two by concurrent closers. Slack and Discord messages leave out items removed in the window
 * (a chat message of something withdrawn is noise); JSON keeps them. Returns the deliveries written.
 */
export async function closeBatches(db: Executor, now: Date, linkTemplate: string | null, maxWindows = 100): Promise<number> {
  return db.transaction(async (tx) => {
    const [lock] = rowsOf<{ ok: boolean }>(await tx.execute(sql`SELECT pg_try_advisory_xact_lock(${CLOSER_LOCK}) AS ok`));
    if (!lock?.ok) return 0;
    const rows = rowsOf<DueRow>(
      await tx.execute(sql`
        SELECT b.webhook_id, b.event_seq, b.mode, b.window_start, b.window_end, b.payload, w.format
        FROM ${webhookBatchItems} b JOIN webhooks w ON w.id = b.webhook_id
        WHERE (b.webhook_id, b.window_end) IN (
          SELECT DISTINCT webhook_id, window_end FROM ${webhookBatchItems} WHERE window_end <= ${now.toISOString()}::timestamptz
          ORDER BY window_end LIMIT ${maxWindows})
        ORDER BY b.webhook_id, b.window_end, b.event_seq`),
    );
    if (rows.length === 0) return 0;
    const windows = new Map<string, DueRow[]>();
    for (const r of rows) {
      const key = `${r.webhook_id} ${new Date(r.window_end).toISOString()} ${r.mode}`;
      const list = windows.get(key);
      if (list) list.push(r);
      else windows.set(key, [r]);
    }
    const deliveries: (typeof webhookDeliveries.$inferInsert)[] = [];
    for (const list of windows.values()) {
      const { webhook_id: webhookId, mode, format } = list[0]!;
      const window = { start: new Date(list[0]!.window_start).toISOString(), end: new Date(list[0]!.window_end).toISOString() };
      let events = collapse(list.map((r) => ({ seq: Number(r.event_seq), payload: r.payload })));
      if (format !== 'JSON') events = events.filter((e) => e.payload.type !== 'item.removed');
      const groups = batchGroups(format, events.map((e) => e.payload.data.item), linkTemplate);
      let at = 0;
      groups.forEach((g, i) => {
        const part = events.slice(at, (at += g.length));
        const seqs = part.map((e) => e.seq);
        const payload: WebhookBatchPayload = {
          type: 'item.batch',
          id: `batch_${Math.min(...seqs)}_${Math.max(...seqs)}`,
          createdAt: window.end,
          version: 1,
          data: { mode, window, part: i + 1, parts: groups.length, events: part.map((e) => e.payload) },
        };
        deliveries.push({ webhookId, eventSeq: Math.max(...seqs), payload });
      });
    }
    if (deliveries.length) await tx.insert(webhookDeliveries).values(deliveries).onConflictDoNothing();
    // Exactly the rows read: an event parked meanwhile (a late dispatch into this window) stays
    // for the next round, and is sent as a follow-up message of the same window.
    for (const list of windows.values()) {
      const seqs = list.map((r) => Number(r.event_seq));
      await tx.delete(webhookBatchItems).where(and(eq(webhookBatchItems.webhookId, list[0]!.webhook_id), inArray(webhookBatchItems.eventSeq, seqs)));
    }
    return deliveries.length;
  });
}

/** What waits for its window, per endpoint: one entry per (mode, window). */
export async function pendingBatches(db: Executor, webhookId: string): Promise<{ mode: BatchMode; windowStart: Date; sendsAt: Date; itemCount: number }[]> {
  const rows = await db
    .select({ mode: webhookBatchItems.mode, windowStart: webhookBatchItems.windowStart, sendsAt: webhookBatchItems.windowEnd, itemCount: sql<number>`count(*)::int` })
    .from(webhookBatchItems)
    .where(eq(webhookBatchItems.webhookId, webhookId))
    .groupBy(webhookBatchItems.mode, webhookBatchItems.windowStart, webhookBatchItems.windowEnd)
    .orderBy(webhookBatchItems.windowEnd);
  return rows.map((r) => ({ ...r, mode: r.mode as BatchMode, itemCount: Number(r.itemCount) }));
}
