import type { Executor } from '../../db/client';
import { loaderByKey, loaderGrouped } from '../loading/batch-loaders';
import * as repo from './items.repository';

export function createItemLoaders(db: Executor) {
  return {
    itemById: loaderByKey((ids: readonly string[]) => repo.itemsByIds(db, ids), (i) => i.id),
    itemsBySectionId: loaderGrouped((ids: readonly string[]) => repo.itemsBySectionIds(db, ids), (i) => i.sectionId),
    itemsByReportId: loaderGrouped((ids: readonly string[]) => repo.itemsByReportIds(db, ids), (i) => i.reportId),
    sourcesByItemId: loaderGrouped((ids: readonly string[]) => repo.sourcesByItemIds(db, ids), (s) => s.itemId!),
    sourcesBySectionId: loaderGrouped((ids: readonly string[]) => repo.sourcesBySectionIds(db, ids), (s) => s.sectionId!),
    tagsByItemId: loaderGrouped(
      (ids: readonly string[]) => repo.tagsByItemIds(db, ids),
      (t) => t.itemId,
      (t) => t.tag,
    ),
  };
}
