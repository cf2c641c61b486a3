import type { Executor } from '../../db/client';
import { loaderByKey, loaderGrouped } from '../loading/batch-loaders';
import * as repo from './reports.repository';

export function createReportLoaders(db: Executor) {
  return {
    reportById: loaderByKey((ids: readonly string[]) => repo.reportsByIds(db, ids), (r) => r.id),
    sectionById: loaderByKey((ids: readonly string[]) => repo.sectionsByIds(db, ids), (s) => s.id),
    sectionsByReportId: loaderGrouped((ids: readonly string[]) => repo.sectionsByReportIds(db, ids), (s) => s.reportId),
    keywordsByReportId: loaderGrouped(
      (ids: readonly string[]) => repo.keywordsByReportIds(db, ids),
      (k) => k.reportId,
      (k) => k.keyword,
    ),
  };
}
