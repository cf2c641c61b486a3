// What a publish announces (the event rows it appends) and what it indexes for search, from the
// items as stored: split from publishing.service.ts, which keeps the transaction and its steps.
import type { EventFacts } from '../../db/tables';
import type { Item, Report } from '../../ingest';
import { tagKey } from '../../text/fold';
import type * as eventLog from '../events/events.repository';
import { importanceRank } from '../items/importance-rank';
import type { SearchFields } from '../search/search-doc';
import type * as repo from './publishing.repository';

/** An item's mention of an entity: the canonical key, the name as written and its own key. */
export interface Mention {
  key: string;
  name: string;
  written: string;
}

/** The item's entities with aliases resolved: one mention per canonical entity, the first name written wins. */
export function mentions(item: Item, canonicals: ReadonlyMap<string, { key: string }>): Mention[] {
  const byKey = new Map<string, Mention>();
  for (const e of item.entities) {
    const key = canonicals.get(e.key)?.key ?? e.key;
    if (!byKey.has(key)) byKey.set(key, { key, name: e.name, written: e.key });
  }
  return [...byKey.values()];
}

export type StoredMention = Mention & { entity: repo.StoredEntity };

/**
 * What of an item search reads (the same fields the backfill reads back from stored rows): entity
 * names as written, the entities' own names and their aliases, so any name of an entity finds it.
 */
export const searchFieldsOf = (item: Item, entities: readonly StoredMention[]): SearchFields => ({
  ...item,
  entities: entities.flatMap((e) => [e.name, e.entity.name, ...e.entity.aliasNames]),
  sources: item.sources.map((s) => s.label),
});

export interface EventInput {
  reportId: string;
  report: Report;
  publishedAt: Date;
  before: { draft: boolean } | null;
  stored: { id: string; item: Item; section: { key: string }; entities: StoredMention[]; search: string }[];
  added: string[];
  updated: string[];
  removed: string[];
  previous: repo.ExistingItem[];
  /** The report's own content (not its items) differs from what was stored before. */
  reportChanged: boolean;
}

/**
 * What subscribers hear: a draft is silent; publishing it announces every item; re-publishing
 * announces only new, changed and removed items, and the report again when they or the report's
 * own content (title, intro, sections' text) changed; unpublishing removes what was announced and
 * says the report was withdrawn.
 */
export function eventsFor(e: EventInput): eventLog.EventRow[] {
  const wasVisible = e.before !== null && !e.before.draft;
  const nowVisible = !e.report.draft;
  const facts = (item: Item, sectionKey: string, entities: StoredMention[], search: string): EventFacts => ({
    reportSlug: e.report.slug,
    sectionKey,
    importanceRank: importanceRank(item.importance),
    tagKeys: item.tags.map(tagKey),
    entityKeys: entities.map((en) => en.key),
    entityAliasKeys: entities.flatMap((en) => en.entity.aliasKeys),
    publishedAt: e.publishedAt.toISOString(),
    title: item.title,
    search,
  });
  const base = { reportId: e.reportId };
  const rows: eventLog.EventRow[] = [];
  const added = new Set(e.added);
  const updated = new Set(e.updated);
  if (nowVisible) {
    for (const s of e.stored) {
      const type = !wasVisible || added.has(s.id) ? 'ITEM_PUBLISHED' : updated.has(s.id) ? 'ITEM_UPDATED' : null;
      if (type) rows.push({ ...base, type, itemId: s.id, facts: facts(s.item, s.section.key, s.entities, s.search) });
    }
  }
  if (wasVisible) {
    const gone = nowVisible ? new Set(e.removed) : new Set(e.previous.map((p) => p.id));
    for (const p of e.previous) {
      if (gone.has(p.id)) {
        rows.push({
          ...base,
          type: 'ITEM_REMOVED',
          itemId: p.id,
          facts: {
            reportSlug: e.report.slug,
            sectionKey: p.sectionKey,
            importanceRank: p.importanceRank,
            tagKeys: p.tagKeys,
            entityKeys: p.entityKeys,
            entityAliasKeys: p.entityAliasKeys,
            publishedAt: e.publishedAt.toISOString(),
            title: p.title,
            search: p.search ?? undefined,
            sectionId: p.sectionId,
            position: p.position,
          },
        });
      }
    }
  }
  if (wasVisible && !nowVisible) {
    // Said even when the report had no item to remove: readers (and caches) must stop showing it.
    rows.push({ ...base, type: 'REPORT_WITHDRAWN', itemId: null, facts: { reportSlug: e.report.slug, publishedAt: e.publishedAt.toISOString(), title: e.report.title } });
  }
  if (nowVisible && (!wasVisible || rows.length > 0 || e.reportChanged)) {
    rows.push({ ...base, type: 'REPORT_PUBLISHED', itemId: null, facts: { reportSlug: e.report.slug, publishedAt: e.publishedAt.toISOString(), title: e.report.title } });
  }
  return rows;
}
