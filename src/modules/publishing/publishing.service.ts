import { createHash, randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../db/client';
import { digestInstant, type Item, type Report } from '../../ingest';
import { importanceRank } from '../items/importance-rank';
import { buildSearchVector } from '../search/search-doc';
import { canonicalsOf } from '../entities/entity-aliases.repository';
import { tagKey } from '../../text/fold';
import * as eventLog from '../events/events.repository';
import * as repo from './publishing.repository';
import { eventsFor, mentions, searchFieldsOf } from './publish-events';

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
  let moved = 0;
  const stored = allItems.map(({ item, section }) => {
    const hash = contentHash(item, section.key);
    const match = byTitle.get(item.title)?.shift();
    const id = match?.id ?? randomUUID();
    if (!match) added.push(id);
    else if (match.contentHash !== hash) updated.push(id);
    else unchanged++;
    // Moved with its content unchanged (the order changed): the report changed, not the item.
    if (match && match.position !== item.position) moved++;
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
  // Items only reordered is a change of the report (announced as REPORT_PUBLISHED): no item's own
  // content changed, and subscribers are not told of every item after a removed one.
  const reportChanged = contentBefore !== null && !itemsChanged && (moved > 0 || (await repo.reportContent(tx, reportId)) !== contentBefore);
  // A re-publish that changed nothing a reader sees leaves the report as it was, updatedAt included.
  if (republished && !itemsChanged && !reportChanged) await repo.restoreUpdatedAt(tx, reportId, before.updatedAt);
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
