import type { Executor } from '../db/client';
import type { WebhookSchedule } from '../db/tables';
import * as repo from './batches.repository';
import { insertDeliveries, type NewDelivery } from './outbox.repository';
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

/**
 * Sends (as delivery rows) every batch whose window ended by `now`. One closer at a time across
 * processes (an advisory lock taken with try: others skip the round), so a window is never cut in
 * two by concurrent closers. Slack and Discord messages leave out items removed in the window
 * (a chat message of something withdrawn is noise); JSON keeps them. Returns the deliveries written.
 */
export async function closeBatches(db: Executor, now: Date, linkTemplate: string | null, maxWindows = 100): Promise<number> {
  return db.transaction(async (tx) => {
    if (!(await repo.tryCloserLock(tx))) return 0;
    const rows = await repo.dueBatchItems(tx, now, maxWindows);
    if (rows.length === 0) return 0;
    const windows = new Map<string, repo.DueBatchItem[]>();
    for (const r of rows) {
      const key = `${r.webhook_id} ${new Date(r.window_end).toISOString()} ${r.mode}`;
      const list = windows.get(key);
      if (list) list.push(r);
      else windows.set(key, [r]);
    }
    const deliveries: NewDelivery[] = [];
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
    if (deliveries.length) await insertDeliveries(tx, deliveries);
    // Exactly the rows read: an event parked meanwhile (a late dispatch into this window) stays
    // for the next round, and is sent as a follow-up message of the same window.
    for (const list of windows.values()) {
      const seqs = list.map((r) => Number(r.event_seq));
      await repo.deleteBatchItems(tx, list[0]!.webhook_id, seqs);
    }
    return deliveries.length;
  });
}

/** What waits for its window, per endpoint: one entry per (mode, window). */
export async function pendingBatches(db: Executor, webhookId: string): Promise<{ mode: BatchMode; windowStart: Date; sendsAt: Date; itemCount: number }[]> {
  const rows = await repo.pendingBatchWindows(db, webhookId);
  return rows.map((r) => ({ ...r, mode: r.mode as BatchMode, itemCount: Number(r.itemCount) }));
}
