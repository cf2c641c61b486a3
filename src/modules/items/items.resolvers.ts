import type { ItemResolvers, QueryResolvers } from '../../generated/graphql';
import * as items from './items.service';

export const itemQueries: Pick<QueryResolvers, 'item' | 'items'> = {
  item: (_p, { id }, ctx) => items.itemById(ctx, id),
  items: (_p, args, ctx) => items.listItems(ctx, args),
};

export const Item: ItemResolvers = {
  tags: (i, _a, ctx) => ctx.loaders.tagsByItemId.load(i.id),
  entities: (i, _a, ctx) => ctx.loaders.entitiesByItemId.load(i.id),
  sources: (i, _a, ctx) => ctx.loaders.sourcesByItemId.load(i.id),
  section: async (i, _a, ctx) => (await ctx.loaders.sectionById.load(i.sectionId))!,
  report: async (i, _a, ctx) => (await ctx.loaders.reportById.load(i.reportId))!,
};
