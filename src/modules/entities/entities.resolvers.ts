import type { EntityResolvers, QueryResolvers } from '../../generated/graphql';
import * as entities from './entities.service';

export const entityQueries: Pick<QueryResolvers, 'entity'> = {
  entity: (_p, { name }, ctx) => entities.entityByName(ctx, name),
};

export const Entity: EntityResolvers = {
  items: (e, args, ctx) => entities.entityItems(ctx, e.id, args),
};
