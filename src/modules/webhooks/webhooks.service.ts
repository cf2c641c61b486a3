import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Executor } from '../../db/client';
import { rowsOf } from '../../db/migrations';
import { webhookBatchItems, webhookCursor, webhookDeliveries, webhooks } from '../../db/tables';
import { ApiError, ErrorCode, badUserInput } from '../../graphql/errors';
import { parseInput, strictInput } from '../../graphql/input';
import { head, itemFactsOf, readAfter, type EventRecord } from '../events/events.repository';
import { itemFilterSchema, matchesItem, normaliseItemFilter, type ItemFilter, type ItemFilterInput } from '../items/item-filter';
import type { Logger } from '../../observability/logger';
import { batchRow } from '../../delivery/batches';
import { buildPayloads } from '../../delivery/payload';
import { succeeded } from '../../delivery/sender';
import { mergeSchedule, modeFor, scheduleInputSchema } from './schedule';
import { newSecret } from '../../delivery/signing';
import { checkWebhookUrl, type SsrfPolicy } from '../../delivery/ssrf';

export type WebhookRecord = typeof webhooks.$inferSelect;
export type DeliveryRecord = typeof webhookDeliveries.$inferSelect;
export type WebhookFormat = WebhookRecord['format'];

/**
 * Standard Webhooks' retry schedule: the delay after each failed attempt, about three days in all.
 * After the last, the delivery is DEAD (visible, and `redeliver` sends it again).
 */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

const notFound = (what: string, id: string, argument = 'id') => new ApiError(ErrorCode.NOT_FOUND, `${argument}: no ${what} with id "${id}"`, { argument });
const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
/** An id to look up: a client's non-UUID matches nothing (instead of a Postgres cast error). */
const lookupId = (s: string) => (isUuid(s) ? s : '00000000-0000-0000-0000-000000000000');

const webhookFields = {
  url: z.string().max(2048, 'at most 2048 characters'),
  format: z.enum(['JSON', 'SLACK', 'DISCORD'], { error: (iss) => `unknown format ${String(iss.input)} (JSON, SLACK or DISCORD)` }),
  filter: itemFilterSchema.nullish(),
  enabled: z.boolean().nullish(),
  /** Immediate or HOURLY/DAILY batches per importance (default: everything immediate). */
  schedule: scheduleInputSchema.nullish(),
};
const LIKE = '{"url":"https://…","format":"JSON"}';
/** `WebhookInput` (GraphQL, or the CLI's flags), checked and copied into plain data. */
export const webhookInputSchema = strictInput(webhookFields, LIKE);
/** `WebhookUpdateInput`: each field left out keeps its value. */
export const webhookUpdateSchema = strictInput(
  { ...webhookFields, url: webhookFields.url.nullish(), format: webhookFields.format.nullish() },
  LIKE,
);
export type WebhookInput = z.input<typeof webhookInputSchema>;
export type WebhookUpdate = z.input<typeof webhookUpdateSchema>;

/** A filter is stored only if it means something, checked as `items` checks one (its `query` parsed too). */
const checkFilter = (filter: ItemFilterInput | null | undefined): void => void normaliseItemFilter(filter, 'input.filter');

export async function createWebhook(db: Executor, given: WebhookInput, policy: SsrfPolicy): Promise<{ webhook: WebhookRecord; secret: string }> {
  // What is checked without the network first; the URL's check resolves its host.
  const input = parseInput(webhookInputSchema, given, 'input');
  checkFilter(input.filter);
  await checkWebhookUrl(input.url, policy, 'input.url');
  const secret = newSecret();
  const [webhook] = await db
    .insert(webhooks)
    .values({ url: input.url, format: input.format, filter: input.filter ?? {}, enabled: input.enabled ?? true, schedule: mergeSchedule({}, input.schedule), secret })
    .returning();
  return { webhook: webhook!, secret };
}

export async function updateWebhook(db: Executor, id: string, given: WebhookUpdate, policy: SsrfPolicy): Promise<WebhookRecord> {
  const input = parseInput(webhookUpdateSchema, given, 'input');
  checkFilter(input.filter);
  if (input.url != null) await checkWebhookUrl(input.url, policy, 'input.url');
  const key = lookupId(id);
  return db.transaction(async (tx) => {
    // A schedule changes field by field: read and write it under the row's lock.
    const [current] = await tx.select().from(webhooks).where(eq(webhooks.id, key)).for('update');
    if (!current) throw notFound('webhook', id);
    const [row] = await tx
      .update(webhooks)
      .set({
        ...(input.schedule ? { schedule: mergeSchedule(current.schedule, input.schedule) } : {}),
        ...(input.url != null ? { url: input.url } : {}),
        ...(input.format != null ? { format: input.format } : {}),
        ...(input.filter !== undefined ? { filter: input.filter ?? {} } : {}),
        ...(input.enabled != null ? { enabled: input.enabled, disabledReason: null } : {}),
      })
      .where(eq(webhooks.id, key))
      .returning();
    return row!;
  });
}

/** A new secret; the old one keeps signing (beside it) for `overlapHours`. */
export async function rotateSecret(db: Executor, id: string, overlapHours: number): Promise<{ webhook: WebhookRecord; secret: string }> {
  if (!(overlapHours >= 0 && overlapHours <= 720)) throw badUserInput('overlapHours', 'must be between 0 and 720');
  const secret = newSecret();
  const [row] = await db
    .update(webhooks)
    .set({ previousSecret: webhooks.secret, previousSecretUntil: sql`now() + make_interval(secs => ${overlapHours * 3600})`, secret })
    .where(eq(webhooks.id, lookupId(id)))
    .returning();
  if (!row) throw notFound('webhook', id);
  return { webhook: row, secret };
}

export async function deleteWebhook(db: Executor, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
  return rows.length > 0;
}

export const listWebhooks = (db: Executor): Promise<WebhookRecord[]> => db.select().from(webhooks).orderBy(desc(webhooks.createdAt));

export async function webhookById(db: Executor, id: string): Promise<WebhookRecord | null> {
  if (!isUuid(id)) return null;
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row ?? null;
}

export const webhooksByIds = (db: Executor, ids: string[]): Promise<WebhookRecord[]> => (ids.length ? db.select().from(webhooks).where(inArray(webhooks.id, ids)) : Promise.resolve([]));

/** Holds claims `ms` from now (a chain of paced sends takes longer than one lease). */
export async function extendClaims(db: Executor, deliveryIds: string[], ms: number): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: sql`now() + make_interval(secs => ${ms / 1000})` })
    .where(and(inArray(webhookDeliveries.id, deliveryIds), eq(webhookDeliveries.status, 'PENDING')));
}

export const deliveriesOf = (db: Executor, webhookId: string, limit: number): Promise<DeliveryRecord[]> =>
  db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId)).orderBy(desc(webhookDeliveries.createdAt)).limit(limit);

/** Sends a delivery again from the start of the schedule (a DEAD one, or a SUCCEEDED one on request). */
export async function redeliver(db: Executor, deliveryId: string): Promise<DeliveryRecord> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ status: 'PENDING', attempts: 0, nextAttemptAt: sql`now()`, lastError: null })
    .where(eq(webhookDeliveries.id, lookupId(deliveryId)))
    .returning();
  if (!row) throw notFound('delivery', deliveryId, 'deliveryId');
  return row;
}

/** Starts the dispatcher at the log's head the first time (endpoints get what happens after they exist). */
export async function ensureCursor(db: Executor): Promise<void> {
  const h = await head(db);
  await db.insert(webhookCursor).values({ id: 1, tx: h.tx, seq: h.seq }).onConflictDoNothing();
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
      await tx.update(webhooks).set({ enabled: false, disabledReason: reason }).where(eq(webhooks.id, hook.id));
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
    const [cursor] = rowsOf<{ tx: string; seq: string | number }>(await tx.execute(sql`SELECT tx, seq FROM ${webhookCursor} WHERE id = 1 FOR UPDATE SKIP LOCKED`));
    if (!cursor) return 0;
    const batch = await readAfter(tx, { tx: cursor.tx, seq: Number(cursor.seq) }, batchSize);
    if (batch.length === 0) return 0;
    const hooks = await tx.select().from(webhooks).where(eq(webhooks.enabled, true));
    const filters = await storedFilters(tx, hooks, log);
    const matched: { hook: WebhookRecord; event: EventRecord; rank: number }[] = [];
    for (const e of batch) {
      const facts = itemFactsOf(e);
      if (!facts) continue;
      for (const { hook, filter } of filters) if (e.createdAt >= hook.createdAt && matchesItem(filter, facts)) matched.push({ hook, event: e, rank: facts.importanceRank });
    }
    if (matched.length) {
      const payloads = await buildPayloads(tx, [...new Map(matched.map((m) => [m.event.seq, m.event])).values()]);
      const immediate: (typeof webhookDeliveries.$inferInsert)[] = [];
      const batched: (typeof webhookBatchItems.$inferInsert)[] = [];
      for (const { hook, event, rank } of matched) {
        const payload = payloads.get(event.seq);
        if (!payload) continue;
        const mode = modeFor(hook.schedule, rank);
        if (mode === 'IMMEDIATE') immediate.push({ webhookId: hook.id, eventSeq: event.seq, payload });
        else batched.push(batchRow(hook.id, hook.schedule, mode, event, payload));
      }
      if (immediate.length) await tx.insert(webhookDeliveries).values(immediate).onConflictDoNothing();
      if (batched.length) await tx.insert(webhookBatchItems).values(batched).onConflictDoNothing();
    }
    const last = batch[batch.length - 1]!;
    await tx.update(webhookCursor).set({ tx: last.tx, seq: last.seq }).where(eq(webhookCursor.id, 1));
    return batch.length;
  });
}

/** Gap between two messages to one endpoint: Slack about one a second, Discord five per two seconds. */
export const SEND_GAP_MS: Record<WebhookFormat, number> = { JSON: 0, SLACK: 1000, DISCORD: 400 };
/** A paced endpoint's deliveries are claimed only while its next send slot is this close. */
const PACING_HORIZON_MS = 2000;

/**
 * Reserves the next send slot of a paced endpoint (Slack, Discord) and returns the wait for it (ms). The slot
 * lives on the endpoint's row, so every process shares one pace. The delivery's claim is extended
 * to cover the wait, so no other worker takes it meanwhile.
 */
export async function reserveSendSlot(db: Executor, webhookId: string, format: WebhookFormat, deliveryId: string, leaseMs: number): Promise<number> {
  const gap = SEND_GAP_MS[format];
  if (!gap) return 0;
  return db.transaction(async (tx) => {
    // The wait is reckoned on the database's clock, which every process shares.
    const [row] = rowsOf<{ wait_ms: number }>(
      await tx.execute(sql`
        UPDATE ${webhooks} SET next_send_at = greatest(coalesce(next_send_at, now()), now()) + make_interval(secs => ${gap / 1000})
        WHERE id = ${webhookId} RETURNING (extract(epoch FROM next_send_at - now()) * 1000)::float8 - ${gap} AS wait_ms`),
    );
    if (!row) return 0;
    const wait = Math.max(0, Number(row.wait_ms));
    await tx.execute(sql`UPDATE ${webhookDeliveries} SET next_attempt_at = now() + make_interval(secs => ${(wait + leaseMs) / 1000}) WHERE id = ${deliveryId}`);
    return wait;
  });
}

/**
 * Claims up to `limit` due deliveries of enabled endpoints: each claim counts an attempt and moves
 * its next attempt `leaseMs` ahead in the same statement, so no other worker (SKIP LOCKED) claims
 * it meanwhile, and a worker that dies mid-send leaves it to be retried when the lease ends.
 */
export async function claimDue(db: Executor, limit: number, leaseMs: number): Promise<DeliveryRecord[]> {
  const result = await db.execute(sql`
    UPDATE ${webhookDeliveries} d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
    FROM (
      SELECT wd.id FROM ${webhookDeliveries} wd JOIN ${webhooks} w ON w.id = wd.webhook_id
      WHERE wd.status = 'PENDING' AND wd.next_attempt_at <= now() AND w.enabled
        AND (w.format = 'JSON' OR w.next_send_at IS NULL OR w.next_send_at <= now() + make_interval(secs => ${PACING_HORIZON_MS / 1000}))
      ORDER BY wd.next_attempt_at, wd.event_seq LIMIT ${limit} FOR UPDATE OF wd SKIP LOCKED
    ) due
    WHERE d.id = due.id
    RETURNING d.id`);
  const ids = rowsOf<{ id: string }>(result).map((r) => r.id);
  if (ids.length === 0) return [];
  return db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, ids));
}

export interface AttemptOutcome {
  status: number | null;
  latencyMs: number;
  retryAfterSeconds: number | null;
  error: string | null;
  refused?: boolean;
}

/**
 * Records an attempt: success, a retry at the schedule's next step (or Retry-After), dead, the
 * endpoint gone (410), or refused by the SSRF rules (dead at once: `redeliver` after fixing the URL or allow-list).
 */
export async function recordAttempt(db: Executor, d: DeliveryRecord, o: AttemptOutcome, retryScale = 1): Promise<void> {
  const common = { lastStatusCode: o.status, lastError: o.error, lastLatencyMs: o.latencyMs };
  if (succeeded(o.status)) {
    await db.update(webhookDeliveries).set({ ...common, lastError: null, status: 'SUCCEEDED', deliveredAt: sql`now()` }).where(eq(webhookDeliveries.id, d.id));
    return;
  }
  if (o.refused) {
    await db.update(webhookDeliveries).set({ ...common, status: 'DEAD' }).where(eq(webhookDeliveries.id, d.id));
    return;
  }
  if (o.status === 410) {
    await db.update(webhookDeliveries).set({ ...common, status: 'DEAD', lastError: 'the endpoint answered 410 Gone: it was disabled' }).where(eq(webhookDeliveries.id, d.id));
    await db.update(webhooks).set({ enabled: false, disabledReason: `410 Gone at ${new Date().toISOString()}` }).where(eq(webhooks.id, d.webhookId));
    return;
  }
  if (o.status === 429 && o.retryAfterSeconds !== null) {
    // The endpoint is rate-limited as a whole: its other messages wait too (in every process).
    await db.execute(sql`UPDATE ${webhooks} SET next_send_at = greatest(coalesce(next_send_at, now()), now() + make_interval(secs => ${o.retryAfterSeconds})) WHERE id = ${d.webhookId}`);
  }
  if (d.attempts >= MAX_ATTEMPTS) {
    await db.update(webhookDeliveries).set({ ...common, status: 'DEAD' }).where(eq(webhookDeliveries.id, d.id));
    return;
  }
  const base = RETRY_DELAYS_MS[d.attempts - 1]! * retryScale;
  const jittered = base * (0.9 + Math.random() * 0.2);
  const honoured = (o.status === 429 || o.status === 503) && o.retryAfterSeconds !== null ? Math.max(jittered, o.retryAfterSeconds * 1000) : jittered;
  await db
    .update(webhookDeliveries)
    .set({ ...common, nextAttemptAt: sql`now() + make_interval(secs => ${honoured / 1000})` })
    .where(and(eq(webhookDeliveries.id, d.id), eq(webhookDeliveries.status, 'PENDING')));
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
