import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { chunks } from '../../db/batch';
import type { Executor } from '../../db/client';
import { ALIAS_LOCK } from '../entities/entity-aliases.repository';
import { entities, entityAliases, itemEntities, items, itemTags, reportKeywords, reports, sections, sources } from '../../db/tables';

export type ReportRow = typeof reports.$inferInsert;
export type SectionRow = Omit<typeof sections.$inferInsert, 'id' | 'reportId'>;
export type ItemRow = typeof items.$inferInsert & { id: string };
export type ItemEntityRow = typeof itemEntities.$inferInsert;
export type SourceRow = typeof sources.$inferInsert;
export type ItemTagRow = typeof itemTags.$inferInsert;

/**
 * Serialises publishes of one slug (on both databases) for the rest of the transaction, and holds
 * entity aliases still meanwhile (shared: publishes of different slugs still run side by side).
 */
export async function lockSlug(tx: Executor, slug: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${slug}, 0)), pg_advisory_xact_lock_shared(${ALIAS_LOCK})`);
}

export async function findReportBySlug(tx: Executor, slug: string): Promise<{ id: string; draft: boolean; updatedAt: Date } | null> {
  const [row] = await tx.select({ id: reports.id, draft: reports.draft, updatedAt: reports.updatedAt }).from(reports).where(eq(reports.slug, slug));
  return row ?? null;
}

/** Puts back the report's updatedAt that the upsert moved (a re-publish that changed nothing). */
export async function restoreUpdatedAt(tx: Executor, reportId: string, updatedAt: Date): Promise<void> {
  await tx.update(reports).set({ updatedAt }).where(eq(reports.id, reportId));
}

export async function upsertReport(tx: Executor, row: ReportRow): Promise<string> {
  const { slug: _slug, id: _id, createdAt: _c, ...update } = row;
  const [saved] = await tx
    .insert(reports)
    .values(row)
    .onConflictDoUpdate({ target: reports.slug, set: { ...update, updatedAt: sql`now()` } })
    .returning({ id: reports.id });
  return saved!.id;
}

/**
 * Everything a reader sees of a report apart from its items, as stored: the report's own columns,
 * its sections, the sections' sources and its keywords. Read before and after a re-publish, the
 * two say whether the report itself changed (its items carry their own content hash).
 */
export async function reportContent(tx: Executor, reportId: string): Promise<string> {
  const [report] = await tx.select().from(reports).where(eq(reports.id, reportId));
  if (!report) return '';
  const { id: _id, createdAt: _c, updatedAt: _u, ...own } = report;
  const reportSections = await tx
    .select({ id: sections.id, key: sections.key, title: sections.title, titleEn: sections.titleEn, position: sections.position, prose: sections.prose, body: sections.body })
    .from(sections)
    .where(eq(sections.reportId, reportId))
    .orderBy(sections.key);
  const sectionSources = reportSections.length
    ? await tx
        .select({ sectionId: sources.sectionId, position: sources.position, label: sources.label, url: sources.url, kind: sources.kind, domain: sources.domain, ref: sources.ref })
        .from(sources)
        .where(inArray(sources.sectionId, reportSections.map((s) => s.id)))
        .orderBy(sources.sectionId, sources.position)
    : [];
  const keywords = await tx
    .select({ keyword: reportKeywords.keyword })
    .from(reportKeywords)
    .where(eq(reportKeywords.reportId, reportId))
    .orderBy(reportKeywords.position);
  const keyOf = new Map(reportSections.map((s) => [s.id, s.key]));
  return JSON.stringify({
    own,
    sections: reportSections.map(({ id: _sid, ...s }) => s),
    sources: sectionSources.map(({ sectionId, ...s }) => ({ section: keyOf.get(sectionId!), ...s })).sort((a, b) => (a.section! < b.section! ? -1 : a.section! > b.section! ? 1 : a.position - b.position)),
    keywords: keywords.map((k) => k.keyword),
  });
}

export interface ExistingItem {
  id: string;
  title: string;
  contentHash: string;
  sectionKey: string;
  sectionId: string;
  position: number;
  importanceRank: number;
  tagKeys: string[];
  entityKeys: string[];
  entityAliasKeys: string[];
  search: string | null;
}

/** The report's current items with what a REMOVED event must still carry for filters. */
export async function existingItems(tx: Executor, reportId: string): Promise<ExistingItem[]> {
  return tx
    .select({
      id: items.id,
      title: items.title,
      contentHash: items.contentHash,
      sectionKey: items.sectionKey,
      sectionId: items.sectionId,
      position: items.position,
      importanceRank: items.importanceRank,
      tagKeys: sql<string[]>`ARRAY(SELECT t.tag_key FROM ${itemTags} t WHERE t.item_id = ${items.id} ORDER BY t.position)`,
      entityKeys: sql<string[]>`ARRAY(SELECT e.key FROM ${itemEntities} ie JOIN ${entities} e ON e.id = ie.entity_id WHERE ie.item_id = ${items.id} ORDER BY ie.position)`,
      entityAliasKeys: sql<string[]>`ARRAY(SELECT a.key FROM ${itemEntities} ie JOIN ${entityAliases} a ON a.entity_id = ie.entity_id WHERE ie.item_id = ${items.id} ORDER BY a.key)`,
      search: sql<string | null>`${items.search}::text`,
    })
    .from(items)
    .where(eq(items.reportId, reportId))
    .orderBy(items.position);
}

export interface StoredEntity {
  id: string;
  /** The entity's own display name. */
  name: string;
  /** Its aliases: keys (for filters) and names (for search), by key. */
  aliasKeys: string[];
  aliasNames: string[];
}

/** Inserts unknown entities (first display name wins) and returns every key's entity with its aliases. */
export async function ensureEntities(tx: Executor, list: { key: string; name: string }[]): Promise<Map<string, StoredEntity>> {
  if (list.length === 0) return new Map();
  // Sorted keys: two concurrent publishes lock entity rows in the same order and cannot deadlock.
  const sorted = [...list].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const part of chunks(sorted)) await tx.insert(entities).values(part).onConflictDoNothing({ target: entities.key });
  const rows = await tx
    .select({
      id: entities.id,
      key: entities.key,
      name: entities.name,
      aliasKeys: sql<string[]>`ARRAY(SELECT a.key FROM ${entityAliases} a WHERE a.entity_id = ${entities.id} ORDER BY a.key)`,
      aliasNames: sql<string[]>`ARRAY(SELECT a.name FROM ${entityAliases} a WHERE a.entity_id = ${entities.id} ORDER BY a.key)`,
    })
    .from(entities)
    .where(inArray(entities.key, sorted.map((e) => e.key)));
  return new Map(rows.map(({ key, ...e }) => [key, e]));
}

export async function upsertSections(tx: Executor, reportId: string, rows: SectionRow[]): Promise<Map<string, string>> {
  const saved = rows.length
    ? await tx
        .insert(sections)
        .values(rows.map((r) => ({ ...r, reportId })))
        .onConflictDoUpdate({
          target: [sections.reportId, sections.key],
          set: {
            title: sql`excluded.title`,
            titleEn: sql`excluded.title_en`,
            position: sql`excluded.position`,
            prose: sql`excluded.prose`,
            body: sql`excluded.body`,
          },
        })
        .returning({ id: sections.id, key: sections.key })
    : [];
  return new Map(saved.map((s) => [s.key, s.id]));
}

export async function deleteSectionsExcept(tx: Executor, reportId: string, keep: string[]): Promise<void> {
  await tx
    .delete(sections)
    .where(keep.length ? and(eq(sections.reportId, reportId), notInArray(sections.key, keep)) : eq(sections.reportId, reportId));
}

export async function upsertItems(tx: Executor, rows: ItemRow[]): Promise<void> {
  for (const part of chunks(rows, 500)) {
    await tx
      .insert(items)
      .values(part)
      .onConflictDoUpdate({
        target: items.id,
        set: {
          sectionId: sql`excluded.section_id`,
          sectionKey: sql`excluded.section_key`,
          publishedAt: sql`excluded.published_at`,
          draft: sql`excluded.draft`,
          position: sql`excluded.position`,
          title: sql`excluded.title`,
          summary: sql`excluded.summary`,
          details: sql`excluded.details`,
          applications: sql`excluded.applications`,
          body: sql`excluded.body`,
          importance: sql`excluded.importance`,
          importanceRank: sql`excluded.importance_rank`,
          extra: sql`excluded.extra`,
          search: sql`excluded.search`,
          updatedAt: sql`CASE WHEN ${items.contentHash} = excluded.content_hash THEN ${items.updatedAt} ELSE now() END`,
          contentHash: sql`excluded.content_hash`,
        },
      });
  }
}

export async function deleteItems(tx: Executor, ids: string[]): Promise<void> {
  if (ids.length) await tx.delete(items).where(inArray(items.id, ids));
}

/** Children are rewritten whole: cheaper and simpler than diffing them, and inside the same transaction. */
export async function replaceChildren(
  tx: Executor,
  reportId: string,
  rows: { itemEntities: ItemEntityRow[]; sources: SourceRow[]; itemTags: ItemTagRow[]; keywords: string[] },
): Promise<void> {
  const reportItems = tx.select({ id: items.id }).from(items).where(eq(items.reportId, reportId));
  const reportSections = tx.select({ id: sections.id }).from(sections).where(eq(sections.reportId, reportId));
  await tx.delete(itemEntities).where(inArray(itemEntities.itemId, reportItems));
  await tx.delete(itemTags).where(inArray(itemTags.itemId, reportItems));
  await tx.delete(sources).where(sql`${inArray(sources.itemId, reportItems)} OR ${inArray(sources.sectionId, reportSections)}`);
  await tx.delete(reportKeywords).where(eq(reportKeywords.reportId, reportId));
  for (const part of chunks(rows.itemEntities)) await tx.insert(itemEntities).values(part);
  for (const part of chunks(rows.sources)) await tx.insert(sources).values(part);
  for (const part of chunks(rows.itemTags)) await tx.insert(itemTags).values(part);
  if (rows.keywords.length) {
    await tx.insert(reportKeywords).values(rows.keywords.map((keyword, i) => ({ reportId, keyword, position: i + 1 })));
  }
}

/**
 * Recomputes the published mention count and first/last dates of these entities, in the
 * publishing transaction. Rows are locked in key order, and with NO KEY UPDATE (which does not
 * conflict with the KEY SHARE locks that item_entities' foreign keys take), so concurrent
 * publishes cannot deadlock: the benchmark's four parallel loaders found that case.
 */
export async function refreshEntityStats(tx: Executor, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  const sorted = [...new Set(keys)].sort();
  // Two statements on purpose: under READ COMMITTED the counting statement must start after the
  // locks are held, so its snapshot includes what a concurrent publish committed while we waited.
  const locked = await tx
    .select({ id: entities.id })
    .from(entities)
    .where(inArray(entities.key, sorted))
    .orderBy(entities.key)
    .for('no key update');
  const ids = locked.map((r) => r.id);
  if (ids.length === 0) return;
  await tx.execute(sql`
    UPDATE ${entities} SET
      mention_count = (SELECT count(*)::int FROM ${itemEntities} ie WHERE ie.entity_id = ${entities.id} AND NOT ie.draft),
      first_seen = (SELECT min(ie.published_at) FROM ${itemEntities} ie WHERE ie.entity_id = ${entities.id} AND NOT ie.draft),
      last_seen = (SELECT max(ie.published_at) FROM ${itemEntities} ie WHERE ie.entity_id = ${entities.id} AND NOT ie.draft)
    WHERE ${inArray(entities.id, ids)}`);
}

export async function refreshAllEntityStats(tx: Executor): Promise<void> {
  await tx.execute(sql`
    UPDATE ${entities} SET mention_count = coalesce(s.n, 0), first_seen = s.f, last_seen = s.l
    FROM ${entities} e2 LEFT JOIN (
      SELECT entity_id, count(*)::int AS n, min(published_at) AS f, max(published_at) AS l
      FROM ${itemEntities} WHERE NOT draft GROUP BY entity_id
    ) s ON s.entity_id = e2.id
    WHERE ${entities.id} = e2.id`);
}
