import type { ReportRecord } from './reports.repository';

/**
 * What a subscriber is shown of a report that is no longer public (taken back to draft, or
 * deleted) when an event about it is delivered: only the event's own public facts, never a row
 * of the draft. Its sections, keywords and items resolve to nothing (their loaders serve public
 * reports only).
 */
export function withdrawnReport(id: string, facts: { reportSlug: string; publishedAt: string | Date; title?: string }): ReportRecord {
  const publishedAt = new Date(facts.publishedAt);
  return {
    id,
    slug: facts.reportSlug,
    title: facts.title ?? facts.reportSlug,
    dateText: publishedAt.toISOString(),
    publishedAt,
    draft: false,
    tags: [],
    tagKeys: [],
    watchlist: [],
    description: null,
    summary: null,
    coverImage: null,
    coverAlt: null,
    coverRelative: null,
    articleCount: null,
    topicCount: null,
    collectionWindow: null,
    generatedAtText: null,
    intro: null,
    itemCount: 0,
    createdAt: publishedAt,
    updatedAt: publishedAt,
  };
}
