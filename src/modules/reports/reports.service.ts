import type { GraphQLContext } from '../../graphql/context';
import { badUserInput } from '../../graphql/errors';
import { toConnection, type Connection } from '../pagination/connection';
import { cursorDate, decodeCursor, encodeCursor, notACursor, pageSize } from '../pagination/cursor';
import { tagKey } from '../../text/fold';
import * as repo from './reports.repository';

export interface ReportFilterInput {
  tags?: string[] | null;
  from?: Date | null;
  to?: Date | null;
}

export async function reportBySlug(ctx: GraphQLContext, slug: string): Promise<repo.ReportRecord | null> {
  const report = await repo.findPublishedBySlug(ctx.db, slug);
  if (report) ctx.loaders.reportById.prime(report.id, report);
  return report;
}

export async function latestReport(ctx: GraphQLContext): Promise<repo.ReportRecord | null> {
  const report = await repo.findLatestPublished(ctx.db);
  if (report) ctx.loaders.reportById.prime(report.id, report);
  return report;
}

const reportCursor = (r: repo.ReportRecord): string => encodeCursor([r.publishedAt.toISOString(), r.id]);

export async function listReports(
  ctx: GraphQLContext,
  args: { first?: number | null; after?: string | null; filter?: ReportFilterInput | null },
): Promise<Connection<repo.ReportRecord>> {
  const first = pageSize(args.first, ctx.limits.maxPageSize);
  const from = args.after ? decodeReportCursor(args.after) : null;
  const f = args.filter ?? {};
  if (f.from && f.to && f.from > f.to) throw badUserInput('filter.from', 'must not be after `to`');
  const tags = [...new Set((f.tags ?? []).map(tagKey).filter(Boolean))];
  const filter: repo.ReportFilter = { tags: tags.length ? tags : null, from: f.from ?? null, to: f.to ?? null };
  const rows = await repo.listReports(ctx.db, filter, first + 1, from);
  for (const r of rows) ctx.loaders.reportById.prime(r.id, r);
  return toConnection(rows, first, reportCursor, () => repo.countReports(ctx.db, filter));
}

function decodeReportCursor(cursor: string): repo.ReportKey {
  const [at, id] = decodeCursor(cursor, ['string', 'string']);
  const publishedAt = cursorDate(at);
  if (!publishedAt || !UUID.test(id)) throw notACursor();
  return { publishedAt, id };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
