import type { Executor } from '../../db/client';
import { loaderByKey, loaderGrouped } from '../loading/batch-loaders';
import * as repo from './entities.repository';
import { aliasesOfEntities } from './entity-aliases.repository';

export function createEntityLoaders(db: Executor) {
  return {
    entitiesByItemId: loaderGrouped(
      (ids: readonly string[]) => repo.entitiesByItemIds(db, ids),
      (e) => e.itemId,
      ({ itemId: _itemId, ...entity }) => entity,
    ),
    entityByKey: loaderByKey((keys: readonly string[]) => repo.entitiesByKeys(db, keys), (e) => e.key),
    aliasesByEntityId: loaderGrouped(
      (ids: readonly string[]) => aliasesOfEntities(db, ids),
      (a) => a.entityId,
      (a) => a.name,
    ),
  };
}
