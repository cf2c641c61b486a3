import { createHash, timingSafeEqual } from 'node:crypto';
import type { GraphQLContext } from '../../graphql/context';
import { badUserInput } from '../../graphql/errors';
import { normaliseItemFilter, type ItemFilter, type ItemFilterInput } from '../items/item-filter';
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

export type SearchPage = Omit<Connection<SearchHit>, 'edges'> & {
  edges: (SearchHit & { cursor: string })[];
  /** Whether totalCount is exact (counted only when selected, once for both fields). */
  totalCountExact: () => Promise<boolean>;
};

/**
 * Search cursors ('s1') carry the sort key of the last row, a short hash of the search they came
 * from (the parsed query and the normalised filter) and a signature of both under the event log's
 * per-database secret. A cursor of another search would silently skip its results, an edited one
 * return a wrong page: both are refused.
 */
interface CursorSigner {
  sign(purpose: string, payload: string): string;
}

const searchOf = (query: SearchQuery, filter: ItemFilter): string => createHash('sha256').update(JSON.stringify([query, filter])).digest('base64url').slice(0, 11);
const keyOf = (k: repo.SearchKey): [number, string, number, number, string] => [k.score, k.publishedAt.toISOString(), k.importanceRank, k.position, k.id];
const signed = (signer: CursorSigner, search: string, key: readonly unknown[]): string => signer.sign('search', JSON.stringify([search, ...key]));

function encodeSearchCursor(signer: CursorSigner, search: string, r: repo.SearchKey): string {
  const key = keyOf(r);
  return encodeCursor(['s1', ...key, search, signed(signer, search, key)]);
}

function decodeSearchCursor(signer: CursorSigner, search: string, cursor: string): repo.SearchKey {
  const [tag, score, at, importanceRank, position, id, from, mac] = decodeCursor(cursor, ['string', 'score', 'string', 'position', 'position', 'string', 'string', 'string']);
  const publishedAt = cursorDate(at);
  if (tag !== 's1' || !publishedAt || !UUID.test(id)) throw notACursor();
  if (from !== search) throw badUserInput('after', 'the cursor belongs to another search (another query or filter); pass an endCursor of this search');
  const expected = Buffer.from(signed(signer, search, [score, at, importanceRank, position, id]));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw badUserInput('after', 'the cursor was not issued by this server (its signature does not match)');
  return { score, publishedAt, importanceRank, position, id };
}

export async function search(
  ctx: GraphQLContext,
  args: { query: string; first?: number | null; after?: string | null; filter?: ItemFilterInput | null },
): Promise<SearchPage> {
  const query = parseSearchQuery(args.query);
  const first = pageSize(args.first, ctx.limits.maxPageSize);
  const filter = normaliseItemFilter(args.filter);
  const signer = ctx.realtime.hub.cursors;
  const searchHash = searchOf(query, filter);
  const from = args.after ? decodeSearchCursor(signer, searchHash, args.after) : null;
  const tsquery = { match: toTsquery(query), rank: toTsquery({ include: query.include, exclude: [] }) };
  const rows = await repo.searchItems(ctx.db, tsquery, filter, first + 1, from);
  for (const r of rows) ctx.loaders.itemById.prime(r.id, r);
  let counted: Promise<repo.SearchCount> | null = null;
  const count = () => (counted ??= repo.countSearch(ctx.db, tsquery, filter));
  const page = toConnection(rows, first, (r) => encodeSearchCursor(signer, searchHash, r), async () => (await count()).count);
  return {
    ...page,
    totalCountExact: async () => (await count()).exact,
    edges: page.edges.map(({ cursor, node: { score, ...node } }) => ({ cursor, score, node, query })),
  };
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
