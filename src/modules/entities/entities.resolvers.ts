import type { EntityResolvers, QueryResolvers } from '../../generated/graphql';
import * as entities from './entities.service';

export const entityQueries: Pick<QueryResolvers, 'entity'> = {
  entity: (_p, { name }, ctx) => entities.entityByName(ctx, name),
};

export const Entity: EntityResolvers = {
  mentionCount: async (e, _a, ctx) => (await entities.entityStats(ctx, e.id)).mentionCount,
  firstSeen: async (e, _a, ctx) => (await entities.entityStats(ctx, e.id)).firstSeen,
  lastSeen: async (e, _a, ctx) => (await entities.entityStats(ctx, e.id)).lastSeen,
  items: (e, args, ctx) => entities.entityItems(ctx, e.id, args),
};
