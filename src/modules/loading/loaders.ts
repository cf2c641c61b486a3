import type { Executor } from '../../db/client';
import { createEntityLoaders } from '../entities/entities.loaders';
import { createItemLoaders } from '../items/items.loaders';
import { createReportLoaders } from '../reports/reports.loaders';

/**
 * Every parent→child lookup, batched. Built per request (and per event for subscriptions), so no
 * cache outlives the operation that filled it.
 */
export function createLoaders(db: Executor) {
  return { ...createReportLoaders(db), ...createItemLoaders(db), ...createEntityLoaders(db) };
}

export type Loaders = ReturnType<typeof createLoaders>;
