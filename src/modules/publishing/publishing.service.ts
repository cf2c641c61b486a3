import { createHash, randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../db/client';
import type { EventFacts } from '../../db/tables';
import { digestInstant, type Item, type Report } from '../../ingest';
import { importanceRank } from '../items/importance-rank';
import { buildSearchVector, type SearchFields } from '../search/search-doc';
import { canonicalsOf } from '../entities/entity-aliases.repository';
import { tagKey } from '../../text/fold';
import * as eventLog from '../events/events.repository';
import * as repo from './publishing.repository';

export interface StoreResult {
  reportId: string;
  slug: string;
  /** True when the slug was new. */
  created: boolean;
  draft: boolean;
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: number;
  /** Events appended for subscribers (none for a draft). */
  eventCount: number;
}

/** Everything a reader sees of an item; a re-publish that changes it counts as an update. */
function contentHash(item: Item, sectionKey: string): string {
  const { position: _position, ...content } = item;
  return createHash('sha256').update(JSON.stringify({ sectionKey, ...content })).digest('base64url');
}

/**
 * Stores a report in one transaction: the report, its sections, items, entities, sources, tags,
 * keywords and the events that announce it. Re-storing a slug replaces its content in place,
 * keeping the id of every item whose title is unchanged.
 */
export async function storeReport(db: Db, report: Report, options: StoreOptions = {}): Promise<StoreResult> {
  return db.transaction((tx) => storeInTransaction(tx, report, options));
}

export interface StoreOptions {
  /**
   * Bulk imports (an archive of thousands of digests) may skip the per-report entity stats and
   * call `refreshAllEntityStats` once at the end: hot entities' rows are then not fought over.
   */
  deferEntityStats?: boolean;
}

/** Recomputes every entity's mention count and first/last seen (after a bulk import). */
export async function refreshAllEntityStats(db: Db): Promise<void> {
  await repo.refreshAllEntityStats(db);
}

async function storeInTransaction(tx: Tx, report: Report, options: StoreOptions): Promise<StoreResult> {
  await repo.lockSlug(tx, report.slug);
  const before = await repo.findReportBySlug(tx, report.slug);
  const publishedAt = digestInstant(report.date);
  const allItems = report.sections.flatMap((s) => s.items.map((item) => ({ item, section: s })));
  // A visible report published again: what it says of itself (title, intro, sections' text) is
  // compared as stored before and after, so a change there is announced even when no item changed.
  const republished = before !== null && !before.draft && !report.draft;
  const contentBefore = republished ? await repo.reportContent(tx, before.id) : null;

  const reportId = await repo.upsertReport(tx, {
    slug: report.slug,
    title: report.title,
    dateText: report.date,
    publishedAt,
    draft: report.draft,
    tags: report.tags,
    tagKeys: report.tags.map(tagKey),
    watchlist: report.watchlist,
    description: report.description,
    summary: report.summary,
    coverImage: report.cover?.image ?? null,
    coverAlt: report.cover?.alt ?? null,
    coverRelative: report.cover?.relative ?? null,
    articleCount: report.stats?.articleCount ?? null,
    topicCount: report.stats?.topicCount ?? null,
    collectionWindow: report.collectionWindow,
    generatedAtText: report.generatedAt,
    intro: report.intro,
    itemCount: allItems.length,
  });

  // Items keep their id when their title is unchanged (first match wins for repeated titles).
  const previous = before ? await repo.existingItems(tx, reportId) : [];
  const byTitle = new Map<string, repo.ExistingItem[]>();
  for (const p of previous) byTitle.set(p.title, [...(byTitle.get(p.title) ?? []), p]);

  const sectionIds = await repo.upsertSections(
    tx,
    reportId,
    report.sections.map((s) => ({ key: s.key, title: s.title, titleEn: s.titleEn, position: s.position, prose: s.prose, body: s.body })),
  );
  // A name that is an alias is a mention of its canonical entity (the item keeps the name as written).
  const canonicals = await canonicalsOf(tx, [...new Set(allItems.flatMap(({ item }) => item.entities.map((e) => e.key)))]);
  const mentionsOf = new Map(allItems.map(({ item }) => [item, mentions(item, canonicals)]));
  const entityByKey = await repo.ensureEntities(
    tx,
    [...new Map([...mentionsOf.values()].flat().map((m) => [m.key, { key: m.key, name: canonicals.get(m.written)?.name ?? m.name }] as const)).values()],
  );

  const added: string[] = [];
  const updated: string[] = [];
  let unchanged = 0;
  const stored = allItems.map(({ item, section }) => {
    const hash = contentHash(item, section.key);
    const match = byTitle.get(item.title)?.shift();
    const id = match?.id ?? randomUUID();
    if (!match) added.push(id);
    else if (match.contentHash !== hash) updated.push(id);
    else unchanged++;
    const entities = mentionsOf.get(item)!.map((m) => ({ ...m, entity: entityByKey.get(m.key)! }));
    return { id, item, section, hash, entities, search: buildSearchVector(searchFieldsOf(item, entities)) };
  });
  const removed = [...byTitle.values()].flat().map((p) => p.id);

  await repo.upsertItems(
    tx,
    stored.map(({ id, item, section, hash, search }) => ({
      id,
      reportId,
      sectionId: sectionIds.get(section.key)!,
      sectionKey: section.key,
      publishedAt,
      draft: report.draft,
      position: item.position,
      title: item.title,
      summary: item.summary,
      details: item.details,
      applications: item.applications,
      body: item.body,
      importance: item.importance,
      importanceRank: importanceRank(item.importance),
      extra: item.extra,
      search,
      contentHash: hash,
    })),
  );
  await repo.deleteItems(tx, removed);
  await repo.deleteSectionsExcept(tx, reportId, report.sections.map((s) => s.key));
  await repo.replaceChildren(tx, reportId, {
    itemEntities: stored.flatMap(({ id, item, entities }) =>
      entities.map((e, i) => ({
        itemId: id,
        entityId: e.entity.id,
        position: i + 1,
        name: e.name,
        publishedAt,
        itemPosition: item.position,
        draft: report.draft,
      })),
    ),
    sources: [
      ...stored.flatMap(({ id, item }) => item.sources.map((s, i) => ({ ...s, itemId: id, position: i + 1 }))),
      ...report.sections.flatMap((sec) => sec.sources.map((s, i) => ({ ...s, sectionId: sectionIds.get(sec.key)!, position: i + 1 }))),
    ],
    itemTags: stored.flatMap(({ id, item }) =>
      item.tags.map((tag, i) => ({
        itemId: id,
        tag,
        tagKey: tagKey(tag),
        position: i + 1,
        publishedAt,
        itemPosition: item.position,
        importanceRank: importanceRank(item.importance),
        draft: report.draft,
      })),
    ),
    keywords: report.keywords,
  });
  if (!options.deferEntityStats) await repo.refreshEntityStats(tx, [
    ...stored.flatMap(({ entities }) => entities.map((e) => e.key)),
    ...previous.flatMap((p) => p.entityKeys),
  ]);

  const itemsChanged = added.length + updated.length + removed.length > 0;
  const reportChanged = contentBefore !== null && !itemsChanged && (await repo.reportContent(tx, reportId)) !== contentBefore;
  const eventRows = eventsFor({ reportId, report, publishedAt, before, stored, added, updated, removed, previous, reportChanged });
  if (eventRows.length) {
    const lastSeq = await eventLog.appendEvents(tx, eventRows);
    await eventLog.notifyEvents(tx, lastSeq);
  }
  return {
    reportId,
    slug: report.slug,
    created: before === null,
    draft: report.draft,
    added,
    updated,
    removed,
    unchanged,
    eventCount: eventRows.length,
  };
}

/** An item's mention of an entity: the canonical key, the name as written and its own key. */
interface Mention {
  key: string;
  name: string;
  written: string;
}

/** The item's entities with aliases resolved: one mention per canonical entity, the first name written wins. */
function mentions(item: Item, canonicals: ReadonlyMap<string, { key: string }>): Mention[] {
  const byKey = new Map<string, Mention>();
  for (const e of item.entities) {
    const key = canonicals.get(e.key)?.key ?? e.key;
    if (!byKey.has(key)) byKey.set(key, { key, name: e.name, written: e.key });
  }
  return [...byKey.values()];
}

type StoredMention = Mention & { entity: repo.StoredEntity };

/**
 * What of an item search reads (the same fields the backfill reads back from stored rows): entity
 * names as written, the entities' own names and their aliases, so any name of an entity finds it.
 */
const searchFieldsOf = (item: Item, entities: readonly StoredMention[]): SearchFields => ({
  ...item,
  entities: entities.flatMap((e) => [e.name, e.entity.name, ...e.entity.aliasNames]),
  sources: item.sources.map((s) => s.label),
});

interface EventInput {
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
 * own content (title, intro, sections' text) changed; unpublishing removes what was announced.
 */
function eventsFor(e: EventInput): eventLog.EventRow[] {
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
  if (nowVisible && (!wasVisible || rows.length > 0 || e.reportChanged)) {
    rows.push({ ...base, type: 'REPORT_PUBLISHED', itemId: null, facts: { reportSlug: e.report.slug, publishedAt: e.publishedAt.toISOString(), title: e.report.title } });
  }
  return rows;
}
