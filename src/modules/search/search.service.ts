import type { GraphQLContext } from '../../server/context';
import { normaliseItemFilter, type ItemFilterInput } from '../items/item-filter';
import type { ItemRecord } from '../items/items.repository';
import { toConnection, type Connection } from '../pagination/connection';
import { cursorDate, decodeCursor, encodeCursor, notACursor, pageSize } from '../pagination/cursor';
import { UUID } from '../reports/reports.service';
import { highlightsOf, type Highlight } from './highlights';
import * as repo from './search.repository';
import { parseSearchQuery, toTsquery, type SearchQuery } from './search-query';

/** One result: the item, its score, and the query its highlights are computed for. */
export interface SearchHit {
  node: ItemRecord;
  score: number;
  query: SearchQuery;
}

export type SearchPage = Omit<Connection<SearchHit>, 'edges'> & { edges: (SearchHit & { cursor: string })[] };

const cursorOf = (r: repo.SearchRow): string =>
  encodeCursor([r.score, r.publishedAt.toISOString(), r.importanceRank, r.position, r.id]);

function decodeSearchCursor(cursor: string): repo.SearchKey {
  const [score, at, importanceRank, position, id] = decodeCursor(cursor, ['score', 'string', 'position', 'position', 'string']);
  const publishedAt = cursorDate(at);
  if (!publishedAt || !UUID.test(id)) throw notACursor();
  return { score, publishedAt, importanceRank, position, id };
}

export async function search(
  ctx: GraphQLContext,
  args: { query: string; first?: number | null; after?: string | null; filter?: ItemFilterInput | null },
): Promise<SearchPage> {
  const query = parseSearchQuery(args.query);
  const first = pageSize(args.first, ctx.limits.maxPageSize);
  const from = args.after ? decodeSearchCursor(args.after) : null;
  const filter = normaliseItemFilter(args.filter);
  const tsquery = { match: toTsquery(query), rank: toTsquery({ include: query.include, exclude: [] }) };
  const rows = await repo.searchItems(ctx.db, tsquery, filter, first + 1, from);
  for (const r of rows) ctx.loaders.itemById.prime(r.id, r);
  const page = toConnection(rows, first, cursorOf, () => repo.countSearch(ctx.db, tsquery, filter));
  return { ...page, edges: page.edges.map(({ cursor, node: { score, ...node } }) => ({ cursor, score, node, query })) };
}

/** The hit's highlights, over what a client reads of the item (entity names, tags and source labels through the loaders). */
export async function highlightsOfHit(ctx: GraphQLContext, hit: SearchHit): Promise<Highlight[]> {
  const i = hit.node;
  const [entities, tags, sources] = await Promise.all([
    ctx.loaders.entitiesByItemId.load(i.id),
    ctx.loaders.tagsByItemId.load(i.id),
    ctx.loaders.sourcesByItemId.load(i.id),
  ]);
  return highlightsOf(hit.query, [
    ['title', i.title],
    ['summary', i.summary],
    ['details', i.details],
    ['applications', i.applications],
    ['body', i.body],
    ...i.extra.map((x) => ['extra', x.text] as const),
    ...entities.map((e) => ['entities', e.name] as const),
    ...tags.map((t) => ['tags', t] as const),
    ...sources.map((s) => ['sources', s.label] as const),
  ]);
}
