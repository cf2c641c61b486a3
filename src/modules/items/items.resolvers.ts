import type { ItemResolvers, QueryResolvers } from '../../generated/graphql';
import type { EntityRecord } from '../entities/entities.repository';
import { withdrawnReport } from '../reports/withdrawn-report';
import type { ItemRecord } from './items.repository';
import * as items from './items.service';
import { relatedItems } from './related-items.service';

export const itemQueries: Pick<QueryResolvers, 'item' | 'items'> = {
  item: (_p, { id }, ctx) => items.itemById(ctx, id),
  items: (_p, args, ctx) => items.listItems(ctx, args),
};

export const Item: ItemResolvers = {
  tags: (i, _a, ctx) => (i.removed ? i.removed.tagKeys : ctx.loaders.tagsByItemId.load(i.id)),
  entities: async (i, _a, ctx) =>
    i.removed
      ? (await ctx.loaders.entityByKey.loadMany(i.removed.entityKeys)).filter((e): e is EntityRecord => !!e && !(e instanceof Error))
      : ctx.loaders.entitiesByItemId.load(i.id),
  sources: (i, _a, ctx) => (i.removed ? [] : ctx.loaders.sourcesByItemId.load(i.id)),
  section: async (i, _a, ctx) =>
    (await ctx.loaders.sectionById.load(i.sectionId)) ?? {
      // A removed item's section may be gone with it.
      id: i.sectionId,
      reportId: i.reportId,
      key: i.sectionKey,
      title: i.sectionKey,
      titleEn: null,
      position: 0,
      prose: false,
      body: null,
      withdrawnReport: reportOfRemoved(i),
    },
  related: (i, args, ctx) => relatedItems(ctx, i, args),
  // A removed item's report may be a draft now: then only what its event made public is shown.
  report: async (i, _a, ctx) => (await ctx.loaders.reportById.load(i.reportId)) ?? reportOfRemoved(i),
};

function reportOfRemoved(i: ItemRecord) {
  return withdrawnReport(i.reportId, { reportSlug: i.removed?.reportSlug ?? '', publishedAt: i.publishedAt });
}
