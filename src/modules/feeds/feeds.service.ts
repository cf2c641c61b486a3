import type { Executor } from '../../db/client';
import type { ItemFilter } from '../items/item-filter';
import * as items from '../items/items.repository';
import { createLoaders } from '../loading/loaders';
import { reportLanguage } from '../reports/report-language';
import * as reports from '../reports/reports.repository';
import { itemLink } from '../../delivery/render';

/** One entry of a feed, whatever its format (rendered by feed-render.ts). */
export interface FeedEntry {
  /** The item's (or report's) id: stable across re-publishes. */
  id: string;
  title: string;
  link: string | null;
  /** Markdown, rendered to safe HTML by the renderer. */
  summary: string | null;
  /** Markdown blocks under their headings (the first has none). */
  content: { heading: string | null; markdown: string }[];
  sources: { label: string; url: string | null }[];
  tags: string[];
  published: Date;
  updated: Date;
  language: string;
}

export interface FeedData {
  entries: FeedEntry[];
  /** When anything was last stored: the feed's `updated` and its Last-Modified. */
  updated: Date;
}

const HEADINGS = {
  zh: { details: '技術細節', applications: '應用場景', sections: '章節' },
  en: { details: 'Technical details', applications: 'Applications', sections: 'Sections' },
};
const headings = (language: string) => (language.startsWith('zh') ? HEADINGS.zh : HEADINGS.en);
const maxDate = (...ds: Date[]): Date => new Date(Math.max(...ds.map((d) => d.getTime())));

/** Items matching the filter, newest first: the same query and order as `items(filter:)`. A few statements, whatever the limit. */
export async function itemFeed(db: Executor, filter: ItemFilter, limit: number, linkTemplate: string | null): Promise<FeedData> {
  const loaders = createLoaders(db);
  const [rows, changed] = await Promise.all([items.listItems(db, filter, limit, null), reports.lastChange(db)]);
  const entries = await Promise.all(
    rows.map(async (item): Promise<FeedEntry> => {
      const [report, sources, tags] = await Promise.all([loaders.reportById.load(item.reportId), loaders.sourcesByItemId.load(item.id), loaders.tagsByItemId.load(item.id)]);
      const language = report ? reportLanguage(report) : 'en';
      const h = headings(language);
      return {
        id: item.id,
        title: item.title,
        link: itemLink({ id: item.id, report: { slug: report?.slug ?? '' }, sources }, linkTemplate),
        summary: item.summary,
        content: [
          { heading: null, markdown: item.summary ?? item.body ?? '' },
          { heading: h.details, markdown: item.details ?? '' },
          { heading: h.applications, markdown: item.applications ?? '' },
        ].filter((b) => b.markdown.trim() !== ''),
        sources: sources.map((s) => ({ label: s.label, url: s.url })),
        tags,
        published: item.publishedAt,
        updated: maxDate(item.publishedAt, item.updatedAt),
        language,
      };
    }),
  );
  return { entries, updated: changed ?? new Date(0) };
}

/** Published reports, newest first: one entry per digest, its sections and item titles as content. */
export async function reportFeed(db: Executor, limit: number, linkTemplate: string | null): Promise<FeedData> {
  const loaders = createLoaders(db);
  const [rows, changed] = await Promise.all([reports.listReports(db, { tags: null, from: null, to: null }, limit, null), reports.lastChange(db)]);
  const entries = await Promise.all(
    rows.map(async (report): Promise<FeedEntry> => {
      const [sections, reportItems] = await Promise.all([loaders.sectionsByReportId.load(report.id), loaders.itemsByReportId.load(report.id)]);
      const language = reportLanguage(report);
      const outline = sections
        .filter((s) => !s.prose)
        .map((s) => `**${s.title}**\n\n${reportItems.filter((i) => i.sectionId === s.id).map((i) => `- ${i.title}${i.importance ? ` (${i.importance})` : ''}`).join('\n')}`)
        .join('\n\n');
      return {
        id: report.id,
        title: report.title,
        // The template's {slug} names the report; an item anchor has no meaning here.
        link: linkTemplate ? linkTemplate.replaceAll('{slug}', encodeURIComponent(report.slug)).replace(/#?\{id\}/g, '') : null,
        summary: report.summary ?? report.description,
        content: [
          { heading: null, markdown: report.intro ?? report.summary ?? '' },
          { heading: headings(language).sections, markdown: outline },
        ].filter((b) => b.markdown.trim() !== ''),
        sources: [],
        tags: report.tags,
        published: report.publishedAt,
        updated: maxDate(report.publishedAt, report.updatedAt),
        language,
      };
    }),
  );
  return { entries, updated: changed ?? new Date(0) };
}

/** What the OPML directory lists: every news section that has been published. */
export async function feedSections(db: Executor): Promise<{ sections: { key: string; title: string }[]; updated: Date }> {
  const [rows, changed] = await Promise.all([reports.newsSectionKeys(db), reports.lastChange(db)]);
  return { sections: rows.map((r) => ({ key: r.key, title: r.titleEn ?? r.title })), updated: changed ?? new Date(0) };
}

