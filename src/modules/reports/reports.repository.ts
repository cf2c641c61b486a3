import { and, arrayOverlaps, asc, eq, getTableColumns, gte, inArray, lte, not, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { newestFirst, ts } from '../../db/params';
import { reportKeywords, reports, sections } from '../../db/tables';

export type ReportRecord = typeof reports.$inferSelect;
export type SectionRecord = typeof sections.$inferSelect & {
  /** Set on a section rebuilt from a removed item's event: the report it shows when its own is no longer public. */
  withdrawnReport?: ReportRecord;
};

export interface ReportFilter {
  tags: string[] | null;
  from: Date | null;
  to: Date | null;
}

export interface ReportKey {
  publishedAt: Date;
  id: string;
}

const visible = not(reports.draft);

function filterSql(f: ReportFilter): SQL | undefined {
  return and(
    visible,
    f.tags ? arrayOverlaps(reports.tagKeys, f.tags) : undefined,
    f.from ? gte(reports.publishedAt, f.from) : undefined,
    f.to ? lte(reports.publishedAt, f.to) : undefined,
  );
}

export async function findPublishedBySlug(db: Executor, slug: string): Promise<ReportRecord | null> {
  const [row] = await db.select().from(reports).where(and(eq(reports.slug, slug), visible));
  return row ?? null;
}

export async function findLatestPublished(db: Executor): Promise<ReportRecord | null> {
  const [row] = await db.select().from(reports).where(visible).orderBy(newestFirst(reports.publishedAt), newestFirst(reports.id)).limit(1);
  return row ?? null;
}

export async function listReports(db: Executor, filter: ReportFilter, limit: number, from: ReportKey | null): Promise<ReportRecord[]> {
  const after = from ? sql`(${reports.publishedAt}, ${reports.id}) < (${ts(from.publishedAt)}, ${from.id})` : undefined;
  return db
    .select()
    .from(reports)
    .where(and(filterSql(filter), after))
    .orderBy(newestFirst(reports.publishedAt), newestFirst(reports.id))
    .limit(limit);
}

export async function countReports(db: Executor, filter: ReportFilter): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(reports).where(filterSql(filter));
  return row!.n;
}

export async function reportsByIds(db: Executor, ids: readonly string[]): Promise<ReportRecord[]> {
  return db.select().from(reports).where(and(inArray(reports.id, [...ids]), visible));
}

/**
 * Sections, keywords and section links of public reports only: a draft's (or a report taken back
 * to draft) never reach a client, whatever path asked (a query, a subscription's replay).
 */
const publicSections = (db: Executor) =>
  db.select(getTableColumns(sections)).from(sections).innerJoin(reports, and(eq(reports.id, sections.reportId), visible));

export async function sectionsByReportIds(db: Executor, ids: readonly string[]): Promise<SectionRecord[]> {
  return publicSections(db).where(inArray(sections.reportId, [...ids])).orderBy(asc(sections.position));
}

export async function sectionsByIds(db: Executor, ids: readonly string[]): Promise<SectionRecord[]> {
  return publicSections(db).where(inArray(sections.id, [...ids]));
}

export async function keywordsByReportIds(db: Executor, ids: readonly string[]): Promise<{ reportId: string; keyword: string }[]> {
  return db
    .select({ reportId: reportKeywords.reportId, keyword: reportKeywords.keyword })
    .from(reportKeywords)
    .innerJoin(reports, and(eq(reports.id, reportKeywords.reportId), visible))
    .where(inArray(reportKeywords.reportId, [...ids]))
    .orderBy(asc(reportKeywords.position));
}

/** Whether anything (draft or not) was ever stored: decides the first-start seeding. */
export async function hasAnyReport(db: Executor): Promise<boolean> {
  const rows = await db.select({ id: reports.id }).from(reports).limit(1);
  return rows.length > 0;
}

/** When anything was last stored (drafts included): every publish moves it, so feeds revalidate on it. */
export async function lastChange(db: Executor): Promise<Date | null> {
  const [row] = await db.select({ at: sql<Date | null>`max(${reports.updatedAt})`.mapWith(reports.updatedAt) }).from(reports);
  return row?.at ?? null;
}

/** Every news section key of the published reports, with its newest title, for feed directories. */
export async function newsSectionKeys(db: Executor): Promise<{ key: string; title: string; titleEn: string | null }[]> {
  return db
    .selectDistinctOn([sections.key], { key: sections.key, title: sections.title, titleEn: sections.titleEn })
    .from(sections)
    .innerJoin(reports, eq(reports.id, sections.reportId))
    .where(and(visible, not(sections.prose)))
    .orderBy(asc(sections.key), newestFirst(reports.publishedAt));
}
