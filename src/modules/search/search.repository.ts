import { and, asc, desc, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { newestFirst, ts } from '../../db/params';
import { items } from '../../db/tables';
import type { ItemFilter } from '../items/item-filter';
import { itemColumns, itemFilterSql, type ItemRecord } from '../items/items.repository';

/** Keyset position in a result list: score, then newer, then more important, then reading order. */
export interface SearchKey {
  score: number;
  publishedAt: Date;
  importanceRank: number;
  position: number;
  id: string;
}

export type SearchRow = ItemRecord & { score: number };

/**
 * tsquery literals from `toTsquery` (cast, never parsed by a text-search configuration): `match`
 * is the whole query, `rank` its wanted terms only (an excluded term would zero every score).
 */
export interface SearchTsqueries {
  match: string;
  rank: string;
}

const rank = (q: SearchTsqueries): SQL<number> => sql<number>`ts_rank(${items.search}, ${q.rank}::tsquery)`;

const after = (tsquery: SearchTsqueries, k: SearchKey | null): SQL | undefined => {
  if (!k) return undefined;
  // float4 on both sides: the score went out as the real ts_rank gave and comes back cast the same.
  const s = sql`${k.score}::real`;
  const at = ts(k.publishedAt);
  return sql`(${rank(tsquery)} < ${s} OR (${rank(tsquery)} = ${s} AND (${items.publishedAt} < ${at} OR (${items.publishedAt} = ${at} AND (${items.importanceRank} < ${k.importanceRank} OR (${items.importanceRank} = ${k.importanceRank} AND (${items.position}, ${items.id}) > (${k.position}, ${k.id}::uuid)))))))`;
};

/** Published items matching the query and the filter, best first. */
export async function searchItems(db: Executor, tsquery: SearchTsqueries, filter: ItemFilter, limit: number, from: SearchKey | null): Promise<SearchRow[]> {
  return db
    .select({ ...itemColumns, score: rank(tsquery) })
    .from(items)
    .where(and(itemFilterSql(filter), sql`${items.search} @@ ${tsquery.match}::tsquery`, after(tsquery, from)))
    .orderBy(desc(rank(tsquery)), newestFirst(items.publishedAt), desc(items.importanceRank), asc(items.position), asc(items.id))
    .limit(limit);
}

export async function countSearch(db: Executor, tsquery: SearchTsqueries, filter: ItemFilter): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(items)
    .where(and(itemFilterSql(filter), sql`${items.search} @@ ${tsquery.match}::tsquery`));
  return row!.n;
}
