import type { QueryResolvers, ReportResolvers, SectionResolvers } from '../../generated/graphql';
import * as reports from './reports.service';
import { reportLanguage } from './report-language';

export const reportQueries: Pick<QueryResolvers, 'report' | 'latestReport' | 'reports'> = {
  report: (_p, { slug }, ctx) => reports.reportBySlug(ctx, slug),
  latestReport: (_p, _a, ctx) => reports.latestReport(ctx),
  reports: (_p, args, ctx) => reports.listReports(ctx, args),
};

export const Report: ReportResolvers = {
  date: (r) => r.dateText,
  language: (r) => reportLanguage(r),
  generatedAt: (r) => r.generatedAtText,
  coverImage: (r) => (r.coverImage ? { url: r.coverImage, alt: r.coverAlt, relative: r.coverRelative } : null),
  stats: (r) =>
    r.articleCount !== null && r.topicCount !== null ? { articleCount: r.articleCount, topicCount: r.topicCount } : null,
  keywords: (r, _a, ctx) => ctx.loaders.keywordsByReportId.load(r.id),
  sections: (r, _a, ctx) => ctx.loaders.sectionsByReportId.load(r.id),
  items: (r, _a, ctx) => ctx.loaders.itemsByReportId.load(r.id),
};

export const Section: SectionResolvers = {
  items: (s, _a, ctx) => ctx.loaders.itemsBySectionId.load(s.id),
  sources: (s, _a, ctx) => ctx.loaders.sourcesBySectionId.load(s.id),
  // A section rebuilt for a removed item carries what its report may show once no longer public.
  report: async (s, _a, ctx) => (await ctx.loaders.reportById.load(s.reportId)) ?? s.withdrawnReport!,
};
