import type { Executor } from '../db/client';
import { ApiError } from '../graphql/errors';
import { head, itemFactsOf, readAfter, type EventRecord } from '../modules/events/events.repository';
import { matchesItem, normaliseItemFilter, type ItemFilter } from '../modules/items/item-filter';
import { disableWebhook, enabledWebhooks, type WebhookRecord } from '../modules/webhooks/webhooks.repository';
import { modeFor } from '../modules/webhooks/schedule';
import type { Logger } from '../observability/logger';
import { batchRow } from './batches';
import { insertBatchItems, type NewBatchItem } from './batches.repository';
import * as repo from './outbox.repository';
import { buildPayloads } from './payload';

/** Starts the dispatcher at the log's head the first time (endpoints get what happens after they exist). */
export async function ensureCursor(db: Executor): Promise<void> {
  await repo.initCursor(db, await head(db));
}

/**
 * The filters of `hooks` as stored. One that no longer parses (stored before the rules checked it, or
 * rules since tightened) must not stop delivery to the others: its endpoint is turned off, with the
 * reason in `disabledReason`, until an admin fixes the filter and re-enables it.
 */
async function storedFilters(tx: Executor, hooks: WebhookRecord[], log?: Pick<Logger, 'warn'>): Promise<{ hook: WebhookRecord; filter: ItemFilter }[]> {
  const out: { hook: WebhookRecord; filter: ItemFilter }[] = [];
  for (const hook of hooks) {
    try {
      out.push({ hook, filter: normaliseItemFilter(hook.filter) });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const reason = `stored filter is invalid (${err.message}): fix it with updateWebhook and set enabled: true`;
      log?.warn({ webhook: hook.id, reason }, 'webhook disabled: its stored filter no longer parses');
      await disableWebhook(tx, hook.id, reason);
    }
  }
  return out;
}

/**
 * The outbox writer: reads the next events from the log after its cursor and writes a delivery
 * row for each (enabled endpoint, matching item event), moving the cursor, in one transaction.
 * One instance at a time (the cursor row is locked; others skip). Returns how many events it read.
 */
export async function dispatchOnce(db: Executor, batchSize = 500, log?: Pick<Logger, 'warn'>): Promise<number> {
  return db.transaction(async (tx) => {
    const cursor = await repo.lockCursor(tx);
    if (!cursor) return 0;
    const batch = await readAfter(tx, cursor, batchSize);
    if (batch.length === 0) return 0;
    const hooks = await enabledWebhooks(tx);
    const filters = await storedFilters(tx, hooks, log);
    const matched: { hook: WebhookRecord; event: EventRecord; rank: number }[] = [];
    for (const e of batch) {
      const facts = itemFactsOf(e);
      if (!facts) continue;
      for (const { hook, filter } of filters) if (e.createdAt >= hook.createdAt && matchesItem(filter, facts)) matched.push({ hook, event: e, rank: facts.importanceRank });
    }
    if (matched.length) {
      const payloads = await buildPayloads(tx, [...new Map(matched.map((m) => [m.event.seq, m.event])).values()]);
      const immediate: repo.NewDelivery[] = [];
      const batched: NewBatchItem[] = [];
      for (const { hook, event, rank } of matched) {
        const payload = payloads.get(event.seq);
        if (!payload) continue;
        const mode = modeFor(hook.schedule, rank);
        if (mode === 'IMMEDIATE') immediate.push({ webhookId: hook.id, eventSeq: event.seq, payload });
        else batched.push(batchRow(hook.id, hook.schedule, mode, event, payload));
      }
      if (immediate.length) await repo.insertDeliveries(tx, immediate);
      if (batched.length) await insertBatchItems(tx, batched);
    }
    const last = batch[batch.length - 1]!;
    await repo.moveCursor(tx, { tx: last.tx, seq: last.seq });
    return batch.length;
  });
}
