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

/**
 * Matches are ranked among the newest RANK_WINDOW of them: a score needs the candidate's whole
 * document, and a word found in most of ten years of items would otherwise have every one of them
 * read and scored (hundreds of ms). Queries with fewer matches are ranked whole; `totalCount`
 * counts every match up to COUNT_CAP.
 */
export const RANK_WINDOW = 1000;

const matches = (q: SearchTsqueries, filter: ItemFilter): SQL | undefined => and(itemFilterSql(filter), sql`${items.search} @@ ${q.match}::tsquery`);

/** Published items matching the query and the filter, best first. */
export async function searchItems(db: Executor, q: SearchTsqueries, filter: ItemFilter, limit: number, from: SearchKey | null): Promise<SearchRow[]> {
  const c = db
    .select({ ...itemColumns, search: items.search })
    .from(items)
    .where(matches(q, filter))
    .orderBy(newestFirst(items.publishedAt), asc(items.position), asc(items.id))
    .limit(RANK_WINDOW)
    .as('c');
  const score = sql<number>`ts_rank(${c.search}, ${q.rank}::tsquery)`;
  const after = (k: SearchKey): SQL => {
    // float4 on both sides: the score went out as the real ts_rank gave and comes back cast the same.
    const s = sql`${k.score}::real`;
    const at = ts(k.publishedAt);
    return sql`(${score} < ${s} OR (${score} = ${s} AND (${c.publishedAt} < ${at} OR (${c.publishedAt} = ${at} AND (${c.importanceRank} < ${k.importanceRank} OR (${c.importanceRank} = ${k.importanceRank} AND (${c.position}, ${c.id}) > (${k.position}, ${k.id}::uuid)))))))`;
  };
  const columns = Object.fromEntries(Object.keys(itemColumns).map((k) => [k, c[k as keyof typeof itemColumns]])) as unknown as typeof itemColumns;
  const rows = await db
    .select({ ...columns, score })
    .from(c)
    .where(from ? after(from) : undefined)
    .orderBy(desc(score), newestFirst(c.publishedAt), desc(c.importanceRank), asc(c.position), asc(c.id))
    .limit(limit);
  return rows as SearchRow[];
}

/**
 * `totalCount` is exact up to this many matches, then this many and "at least" (as Elasticsearch's
 * `track_total_hits` gives a lower bound past its cap): counting every match of a word found in
 * most of ten years of items reads them all (~280 ms on 109,500 items), and a phrase's matches each
 * need their positions checked. The cap is the ranking window: no search pages past it, so the
 * count says exactly how many results a client can reach.
 */
export const COUNT_CAP = RANK_WINDOW;

export interface SearchCount {
  count: number;
  /** False when there are more than `count` matches (the count stopped at the cap). */
  exact: boolean;
}

export async function countSearch(db: Executor, q: SearchTsqueries, filter: ItemFilter, cap = COUNT_CAP): Promise<SearchCount> {
  const found = db.select({ one: sql`1`.as('one') }).from(items).where(matches(q, filter)).limit(cap + 1).as('found');
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(found);
  return row!.n > cap ? { count: cap, exact: false } : { count: row!.n, exact: true };
}
