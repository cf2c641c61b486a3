import { and, asc, eq, getTableColumns, gte, inArray, lte, not, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { newestFirst, ts } from '../../db/params';
import { entities, entityAliases, itemEntities, items, itemTags, reports, sections, sources } from '../../db/tables';
import type { ItemFilter } from './item-filter';

/** An item's columns without its search document (only search reads that, in SQL). */
const { search: _search, ...itemColumnsWithoutSearch } = getTableColumns(items);
export const itemColumns = itemColumnsWithoutSearch;

export type ItemRecord = Omit<typeof items.$inferSelect, 'search'> & {
  /** Set on an item rebuilt from a REMOVED event: it no longer exists, these are its last facts. */
  removed?: { tagKeys: string[]; entityKeys: string[]; reportSlug: string };
};
export type SourceRecord = typeof sources.$inferSelect;

/** Keyset position in the item feed: newest report first, then reading order. */
export interface ItemKey {
  publishedAt: Date;
  position: number;
  id: string;
}

const visible = not(items.draft);

/** `ItemFilter` as SQL: the same semantics as `matchesItem`. */
export function itemFilterSql(f: ItemFilter): SQL | undefined {
  const conds: (SQL | undefined)[] = [visible];
  if (f.minRank !== null) {
    // HIGH is the top rank: equality lets Postgres read the importance index in feed order
    // (an IN list or a range would make it sort every HIGH item of ten years first).
    conds.push(f.minRank >= 3 ? eq(items.importanceRank, 3) : gte(items.importanceRank, f.minRank));
  }
  if (f.sectionKeys) conds.push(inArray(items.sectionKey, f.sectionKeys));
  if (f.reportSlug !== null) conds.push(eq(items.reportId, sql`(SELECT ${reports.id} FROM ${reports} WHERE ${reports.slug} = ${f.reportSlug})`));
  if (f.from) conds.push(gte(items.publishedAt, f.from));
  if (f.to) conds.push(lte(items.publishedAt, f.to));
  if (f.tagKeys) {
    conds.push(sql`EXISTS (SELECT 1 FROM ${itemTags} WHERE ${itemTags.itemId} = ${items.id} AND ${inArray(itemTags.tagKey, f.tagKeys)})`);
  }
  if (f.entityKeys) {
    // A filter's name is an entity's key or one of its aliases (matchesItem: the event's facts carry both).
    const named = sql`SELECT ${entities.id} FROM ${entities} WHERE ${inArray(entities.key, f.entityKeys)} UNION ALL SELECT ${entityAliases.entityId} FROM ${entityAliases} WHERE ${inArray(entityAliases.key, f.entityKeys)}`;
    conds.push(sql`EXISTS (SELECT 1 FROM ${itemEntities} WHERE ${itemEntities.itemId} = ${items.id} AND ${itemEntities.entityId} IN (${named}))`);
  }
  if (f.query) conds.push(sql`${items.search} @@ ${f.query.tsquery}::tsquery`);
  return and(...conds);
}

const after = (k: ItemKey | null): SQL | undefined =>
  k ? sql`(${items.publishedAt} < ${ts(k.publishedAt)} OR (${items.publishedAt} = ${ts(k.publishedAt)} AND (${items.position}, ${items.id}) > (${k.position}, ${k.id})))` : undefined;

export async function listItems(db: Executor, filter: ItemFilter, limit: number, from: ItemKey | null): Promise<ItemRecord[]> {
  return db
    .select(itemColumns)
    .from(items)
    .where(and(itemFilterSql(filter), after(from)))
    .orderBy(newestFirst(items.publishedAt), asc(items.position), asc(items.id))
    .limit(limit);
}

export async function countItems(db: Executor, filter: ItemFilter): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(items).where(itemFilterSql(filter));
  return row!.n;
}

export async function itemsByIds(db: Executor, ids: readonly string[]): Promise<ItemRecord[]> {
  return db.select(itemColumns).from(items).where(and(inArray(items.id, [...ids]), visible));
}

export async function itemsBySectionIds(db: Executor, ids: readonly string[]): Promise<ItemRecord[]> {
  return db.select(itemColumns).from(items).where(and(inArray(items.sectionId, [...ids]), visible)).orderBy(asc(items.position));
}

export async function itemsByReportIds(db: Executor, ids: readonly string[]): Promise<ItemRecord[]> {
  return db.select(itemColumns).from(items).where(and(inArray(items.reportId, [...ids]), visible)).orderBy(asc(items.position));
}

/** Links of public items only (sources, tags and entities of a draft never reach a client). */
export async function sourcesByItemIds(db: Executor, ids: readonly string[]): Promise<SourceRecord[]> {
  return db
    .select(getTableColumns(sources))
    .from(sources)
    .innerJoin(items, and(eq(items.id, sources.itemId), visible))
    .where(inArray(sources.itemId, [...ids]))
    .orderBy(asc(sources.position));
}

/** Links of sections of public reports only. */
export async function sourcesBySectionIds(db: Executor, ids: readonly string[]): Promise<SourceRecord[]> {
  return db
    .select(getTableColumns(sources))
    .from(sources)
    .innerJoin(sections, eq(sections.id, sources.sectionId))
    .innerJoin(reports, and(eq(reports.id, sections.reportId), not(reports.draft)))
    .where(inArray(sources.sectionId, [...ids]))
    .orderBy(asc(sources.position));
}

export async function tagsByItemIds(db: Executor, ids: readonly string[]): Promise<{ itemId: string; tag: string }[]> {
  return db
    .select({ itemId: itemTags.itemId, tag: itemTags.tag })
    .from(itemTags)
    .where(and(inArray(itemTags.itemId, [...ids]), not(itemTags.draft)))
    .orderBy(asc(itemTags.position));
}
