import { and, eq, lt, sql } from 'drizzle-orm';
import { chunks } from '../../db/batch';
import type { Executor } from '../../db/client';
import { eventLog, events, type EventFacts } from '../../db/tables';
import type { ItemFacts } from '../items/item-filter';
import { searchDocOf } from '../search/search-doc';

export type EventType = (typeof events.$inferSelect)['type'];

/** An event as the publish transaction appends it. */
export type EventRow = typeof events.$inferInsert;

export interface EventRecord {
  seq: number;
  /** xid8 as a decimal string (it can exceed 2^53). */
  tx: string;
  type: EventType;
  /** Null for ENTITIES_CHANGED. */
  reportId: string | null;
  itemId: string | null;
  facts: EventFacts;
  createdAt: Date;
}

const ITEM_EVENT_TYPES: ReadonlySet<EventType> = new Set(['ITEM_PUBLISHED', 'ITEM_UPDATED', 'ITEM_REMOVED']);

/**
 * What an item event offers the one filter matcher (`matchesItem`), from the facts the event
 * recorded; null for events that are not about an item. Subscriptions and webhooks both use it.
 */
export function itemFactsOf(e: EventRecord): ItemFacts | null {
  // Once per event: every subscription group member and webhook matching it reads the same facts.
  let facts = factsOf.get(e);
  if (facts === undefined) factsOf.set(e, (facts = readFacts(e)));
  return facts;
}

const factsOf = new WeakMap<EventRecord, ItemFacts | null>();

function readFacts(e: EventRecord): ItemFacts | null {
  if (!ITEM_EVENT_TYPES.has(e.type)) return null;
  const f = e.facts;
  let doc: ReturnType<ItemFacts['searchDoc']> | null = null;
  return {
    importanceRank: f.importanceRank ?? 0,
    tagKeys: f.tagKeys ?? [],
    sectionKey: f.sectionKey ?? '',
    // Every name of the entities: a filter naming an alias matches as the entity's own name does.
    entityKeys: f.entityAliasKeys?.length ? [...(f.entityKeys ?? []), ...f.entityAliasKeys] : (f.entityKeys ?? []),
    reportSlug: f.reportSlug,
    publishedAt: new Date(f.publishedAt),
    searchDoc: () => (doc ??= searchDocOf(f, f.search)),
  };
}

/** A position in the log: events are read in (tx, seq) order. */
export interface LogPosition {
  tx: string;
  seq: number;
}

const SAFE = sql`${events.tx} < pg_snapshot_xmin(pg_current_snapshot())`;

/**
 * The next events after `from`, in (tx, seq) order, only from transactions older than every
 * running one: a transaction that took its seq early and commits late has a tx at or above the
 * current xmin, so it is read later rather than skipped.
 */
export async function readAfter(db: Executor, from: LogPosition, limit: number): Promise<EventRecord[]> {
  const rows = await db
    .select({
      seq: events.seq,
      tx: sql<string>`${events.tx}::text`,
      type: events.type,
      reportId: events.reportId,
      itemId: events.itemId,
      facts: events.facts,
      createdAt: events.createdAt,
    })
    .from(events)
    .where(sql`(${events.tx}, ${events.seq}) > (${from.tx}::xid8, ${from.seq}::bigint) AND ${SAFE}`)
    .orderBy(events.tx, events.seq)
    .limit(limit);
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** The position after every event that is final now: where a new live reader starts. */
export async function head(db: Executor): Promise<LogPosition> {
  const [row] = await db
    .select({ tx: sql<string>`${events.tx}::text`, seq: events.seq })
    .from(events)
    .where(SAFE)
    .orderBy(sql`${events.tx} DESC, ${events.seq} DESC`)
    .limit(1);
  return row ? { tx: row.tx, seq: Number(row.seq) } : { tx: '0', seq: 0 };
}

/**
 * The last event written and committed, final or not (no snapshot filter): nothing a server sent
 * lies beyond it. `head` can trail it while an older transaction anywhere on the server runs.
 */
export async function lastWritten(db: Executor): Promise<LogPosition> {
  const [row] = await db
    .select({ tx: sql<string>`${events.tx}::text`, seq: events.seq })
    .from(events)
    .orderBy(sql`${events.tx} DESC, ${events.seq} DESC`)
    .limit(1);
  return row ? { tx: row.tx, seq: Number(row.seq) } : { tx: '0', seq: 0 };
}

/** When the event at exactly this position was written, or null if the log holds none there. */
export async function eventAt(db: Executor, p: LogPosition): Promise<Date | null> {
  const [row] = await db.select({ createdAt: events.createdAt }).from(events).where(and(eq(events.seq, p.seq), sql`${events.tx} = ${p.tx}::xid8`));
  return row?.createdAt ?? null;
}

/** The log's identity and cursor-signing secret (the one row migration 0007 made); null if missing. */
export async function logIdentity(db: Executor): Promise<{ logId: string; secret: string } | null> {
  const [row] = await db.select({ logId: eventLog.logId, secret: eventLog.secret }).from(eventLog).where(eq(eventLog.id, 1));
  return row ?? null;
}

/** Drops events older than the retention window; returns how many. */
export async function purgeBefore(db: Executor, before: Date): Promise<number> {
  const rows = await db.delete(events).where(lt(events.createdAt, before)).returning({ seq: events.seq });
  return rows.length;
}

/** Appends events; returns the highest sequence written (0 when there was nothing to write). */
export async function appendEvents(tx: Executor, rows: EventRow[]): Promise<number> {
  let last = 0;
  for (const part of chunks(rows)) {
    const saved = await tx.insert(events).values(part).returning({ seq: events.seq });
    last = Math.max(last, ...saved.map((r) => Number(r.seq)));
  }
  return last;
}

/**
 * Records, in the transaction that made it, that entity names changed outside a publish (an alias
 * added or removed: entities renamed or merged in every report), and wakes the listeners. Caches
 * drop what they hold; subscriptions and webhooks skip it (it is about no item or report).
 */
export async function appendEntitiesChanged(tx: Executor, entityKeys: string[], what: string): Promise<number> {
  const seq = await appendEvents(tx, [{ type: 'ENTITIES_CHANGED', reportId: null, itemId: null, facts: { reportSlug: '', publishedAt: new Date().toISOString(), title: what, entityKeys } }]);
  await notifyEvents(tx, seq);
  return seq;
}

/** The channel NOTIFY announces new events on (payload: the highest sequence written). */
export const EVENTS_CHANNEL = 'digestql_events';

/**
 * Wakes the listener of every process once this transaction commits. The payload is only the
 * sequence (NOTIFY payloads stop at 8,000 bytes); readers fetch the events from the log.
 */
export async function notifyEvents(tx: Executor, lastSeq: number): Promise<void> {
  await tx.execute(sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${String(lastSeq)})`);
}

/** Readiness probes travel on their own channel, over the same LISTEN connection as events. */
export const PROBE_CHANNEL = 'digestql_probe';

/** Sends a probe token on PROBE_CHANNEL (the listener checks it hears its own notifications). */
export async function notifyProbe(db: Executor, token: string): Promise<void> {
  await db.execute(sql`SELECT pg_notify(${PROBE_CHANNEL}, ${token})`);
}
