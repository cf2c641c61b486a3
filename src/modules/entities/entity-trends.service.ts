import type { GraphQLContext } from '../../graphql/context';
import { MIN_INSTANT } from '../../graphql/date-time';
import { badUserInput } from '../../graphql/errors';
import { loaderFor } from '../loading/arg-loaders';
import { pageSize } from '../pagination/cursor';
import type { EntityRecord } from './entities.repository';
import * as repo from './entity-trends.repository';

export type TrendWindow = 'DAY' | 'WEEK' | 'MONTH';
export type TimeBucket = 'DAY' | 'WEEK' | 'MONTH';

const DAY_MS = 86_400_000;
const WINDOW_DAYS: Record<TrendWindow, number> = { DAY: 1, WEEK: 7, MONTH: 30 };
export const MAX_BUCKETS = 1000;

export interface EntityTrendRecord {
  entity: EntityRecord;
  mentions: number;
  previousMentions: number;
  change: number | null;
}

export async function trendingEntities(
  ctx: GraphQLContext,
  args: { window?: TrendWindow | null; at?: Date | null; first?: number | null },
): Promise<EntityTrendRecord[]> {
  const first = pageSize(args.first, ctx.limits.maxPageSize);
  const end = args.at ?? new Date();
  const span = WINDOW_DAYS[args.window ?? 'WEEK'] * DAY_MS;
  // The window and the one before it must both hold instants the database can compare.
  const earliest = new Date(end.getTime() - 2 * span);
  if (earliest < MIN_INSTANT) throw badUserInput('at', `must leave two ${args.window ?? 'WEEK'} windows after ${MIN_INSTANT.toISOString()}: at least ${new Date(MIN_INSTANT.getTime() + 2 * span).toISOString()}`);
  const rows = await repo.trending(ctx.db, new Date(end.getTime() - span), end, earliest, first);
  const byId = new Map((await repo.entitiesByIds(ctx.db, rows.map((r) => r.entityId))).map((e) => [e.id, e]));
  return rows.map((r) => ({
    entity: byId.get(r.entityId)!,
    mentions: r.mentions,
    previousMentions: r.previous,
    change: r.previous > 0 ? (r.mentions - r.previous) / r.previous : null,
  }));
}

/** The first instant of the UTC bucket holding `t` (weeks start on Monday, as Postgres's date_trunc). */
function bucketStart(t: Date, bucket: TimeBucket): Date {
  // Not Date.UTC: it reads years 0-99 as 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(t.getUTCFullYear(), t.getUTCMonth(), bucket === 'MONTH' ? 1 : t.getUTCDate());
  if (bucket === 'WEEK') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}

function nextBucket(t: Date, bucket: TimeBucket): Date {
  const d = new Date(t);
  if (bucket === 'MONTH') d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCDate(d.getUTCDate() + (bucket === 'WEEK' ? 7 : 1));
  return d;
}

export async function entityTimeline(
  ctx: GraphQLContext,
  entity: EntityRecord,
  args: { from?: Date | null; to?: Date | null; bucket?: TimeBucket | null },
): Promise<{ start: Date; mentions: number }[]> {
  const bucket = args.bucket ?? 'DAY';
  const from = args.from ?? entity.firstSeen;
  const to = args.to ?? entity.lastSeen;
  if (!from || !to) return [];
  if (from > to) throw badUserInput('from', 'must not be after `to`');
  const starts: Date[] = [];
  for (let t = bucketStart(from, bucket); t <= to; t = nextBucket(t, bucket)) {
    if (starts.length === MAX_BUCKETS) throw badUserInput('from', `the timeline would have more than ${MAX_BUCKETS} buckets; narrow from/to or use a larger bucket`, { max: MAX_BUCKETS });
    starts.push(t);
  }
  const loader = loaderFor(ctx, `timeline|${from.toISOString()}|${to.toISOString()}|${bucket}`, async (ids) => {
    const rows = await repo.timelines(ctx.db, ids, from, to, bucket.toLowerCase() as repo.Bucket);
    return ids.map((id) => new Map(rows.filter((r) => r.entityId === id).map((r) => [Number(r.start), r.mentions])));
  });
  const counts = await loader.load(entity.id);
  return starts.map((start) => ({ start, mentions: counts.get(start.getTime()) ?? 0 }));
}

export async function relatedEntities(ctx: GraphQLContext, entity: EntityRecord, args: { first?: number | null }): Promise<EntityRecord[]> {
  const first = pageSize(args.first ?? 10, ctx.limits.maxPageSize);
  const loader = loaderFor(ctx, `related|${first}`, async (ids) => {
    const rows = await repo.coMentioned(ctx.db, ids, first);
    return ids.map((id) => rows.filter((r) => r.of === id).map(({ of: _of, ...e }) => e));
  });
  return loader.load(entity.id);
}
