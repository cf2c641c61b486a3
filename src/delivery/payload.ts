import type { Executor } from '../db/client';
import type { EventRecord } from '../modules/events/events.repository';
import { createLoaders } from '../modules/loading/loaders';

/** The JSON webhook payload, version 1: stable field names, documented in the README. */
export interface WebhookPayload {
  type: 'item.published' | 'item.updated' | 'item.removed';
  /** The event's id: the same for every endpoint and every retry. */
  id: string;
  createdAt: string;
  version: 1;
  data: {
    item: {
      id: string;
      title: string;
      summary: string | null;
      details: string | null;
      applications: string | null;
      importance: string | null;
      tags: string[];
      publishedAt: string;
      report: { slug: string; title: string; date: string };
      section: { key: string; title: string | null };
      entities: { name: string; key: string }[];
      sources: { label: string; url: string | null; kind: string; domain: string | null }[];
    };
  };
}

/**
 * A HOURLY or DAILY batch: the window's events (each exactly as an immediate delivery would carry
 * it, so one handler serves both), one message per part when a batch needs several.
 */
export interface WebhookBatchPayload {
  type: 'item.batch';
  /** `batch_<first event>_<last event>`: stable for the part, across retries. */
  id: string;
  createdAt: string;
  version: 1;
  data: {
    mode: 'HOURLY' | 'DAILY';
    window: { start: string; end: string };
    part: number;
    parts: number;
    events: WebhookPayload[];
  };
}

export type AnyWebhookPayload = WebhookPayload | WebhookBatchPayload;

const TYPE = { ITEM_PUBLISHED: 'item.published', ITEM_UPDATED: 'item.updated', ITEM_REMOVED: 'item.removed' } as const;
const IMPORTANCE = [null, 'LOW', 'MEDIUM', 'HIGH'] as const;

/** Payloads for item events, read with one set of loaders (a batch of events costs a few statements). */
export async function buildPayloads(db: Executor, list: EventRecord[]): Promise<Map<number, WebhookPayload>> {
  const loaders = createLoaders(db);
  const out = new Map<number, WebhookPayload>();
  await Promise.all(
    list.map(async (e) => {
      if (!(e.type in TYPE) || !e.itemId) return;
      const f = e.facts;
      const item = e.type === 'ITEM_REMOVED' ? null : await loaders.itemById.load(e.itemId);
      const report = await loaders.reportById.load(e.reportId!); // item events always name their report
      const section = item ? await loaders.sectionById.load(item.sectionId) : null;
      const [entities, sources, tags] = item
        ? await Promise.all([loaders.entitiesByItemId.load(item.id), loaders.sourcesByItemId.load(item.id), loaders.tagsByItemId.load(item.id)])
        : [[], [], f.tagKeys ?? []];
      out.set(e.seq, {
        type: TYPE[e.type as keyof typeof TYPE],
        id: `evt_${e.seq}`,
        createdAt: e.createdAt.toISOString(),
        version: 1,
        data: {
          item: {
            id: e.itemId,
            title: item?.title ?? f.title,
            summary: item?.summary ?? null,
            details: item?.details ?? null,
            applications: item?.applications ?? null,
            importance: item?.importance ?? IMPORTANCE[f.importanceRank ?? 0] ?? null,
            tags,
            publishedAt: (item?.publishedAt ?? new Date(f.publishedAt)).toISOString(),
            report: { slug: report?.slug ?? f.reportSlug, title: report?.title ?? '', date: report?.dateText ?? f.publishedAt.slice(0, 10) },
            section: { key: section?.key ?? f.sectionKey ?? '', title: section?.title ?? null },
            entities: entities.map((x) => ({ name: x.name, key: x.key })),
            sources: sources.map((s) => ({ label: s.label, url: s.url, kind: s.kind, domain: s.domain })),
          },
        },
      });
    }),
  );
  return out;
}
