import type { GraphQLContext } from '../../graphql/context';
import { toConnection, type Connection } from '../pagination/connection';
import { cursorDate, decodeCursor, encodeCursor, notACursor, pageSize } from '../pagination/cursor';
import { UUID } from '../reports/reports.service';
import { normaliseItemFilter, type ItemFilterInput } from './item-filter';
import * as repo from './items.repository';

/** An id that is not a UUID names no item: null, like any unknown id (never a database error). */
export async function itemById(ctx: GraphQLContext, id: string): Promise<repo.ItemRecord | null> {
  return UUID.test(id) ? ctx.loaders.itemById.load(id) : null;
}

export const itemCursor = (i: repo.ItemRecord): string => encodeCursor([i.publishedAt.toISOString(), i.position, i.id]);

export function decodeItemCursor(cursor: string): repo.ItemKey {
  const [at, position, id] = decodeCursor(cursor, ['string', 'position', 'string']);
  const publishedAt = cursorDate(at);
  if (!publishedAt || !UUID.test(id)) throw notACursor();
  return { publishedAt, position, id };
}

export async function listItems(
  ctx: GraphQLContext,
  args: { first?: number | null; after?: string | null; filter?: ItemFilterInput | null },
): Promise<Connection<repo.ItemRecord>> {
  const first = pageSize(args.first, ctx.limits.maxPageSize);
  const from = args.after ? decodeItemCursor(args.after) : null;
  const filter = normaliseItemFilter(args.filter);
  const rows = await repo.listItems(ctx.db, filter, first + 1, from);
  for (const r of rows) ctx.loaders.itemById.prime(r.id, r);
  return toConnection(rows, first, itemCursor, () => repo.countItems(ctx.db, filter));
}
