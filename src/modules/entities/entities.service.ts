import { normaliseKey } from '../../ingest';
import type { GraphQLContext } from '../../graphql/context';
import { badUserInput } from '../../graphql/errors';
import { decodeItemCursor, itemCursor } from '../items/items.service';
import type { ItemRecord } from '../items/items.repository';
import { toConnection, type Connection } from '../pagination/connection';
import { pageSize } from '../pagination/cursor';
import * as repo from './entities.repository';
import { findByKeyOrAlias } from './entity-aliases.repository';

/** By name or alias, matched on the normalised key; null unless a published item names it. */
export async function entityByName(ctx: GraphQLContext, name: string): Promise<repo.EntityRecord | null> {
  const key = normaliseKey(name);
  if (!key) throw badUserInput('name', 'must not be empty');
  const entity = await findByKeyOrAlias(ctx.db, key);
  return entity && entity.mentionCount > 0 ? entity : null;
}

export async function entityItems(
  ctx: GraphQLContext,
  entityId: string,
  args: { first?: number | null; after?: string | null },
): Promise<Connection<ItemRecord>> {
  const first = pageSize(args.first, ctx.limits.maxPageSize);
  const from = args.after ? decodeItemCursor(args.after) : null;
  const rows = await repo.listItemsOfEntity(ctx.db, entityId, first + 1, from);
  for (const r of rows) ctx.loaders.itemById.prime(r.id, r);
  return toConnection(rows, first, itemCursor, () => repo.countItemsOfEntity(ctx.db, entityId));
}
