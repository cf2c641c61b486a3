import type { EntityResolvers, QueryResolvers } from '../../generated/graphql';
import * as trends from './entity-trends.service';

export const trendQueries: Pick<QueryResolvers, 'trendingEntities'> = {
  trendingEntities: (_p, args, ctx) => trends.trendingEntities(ctx, args),
};

/** Entity fields about mentions over time and co-mentions (merged into the Entity resolvers). */
export const EntityTrendFields: Pick<EntityResolvers, 'timeline' | 'related'> = {
  timeline: (e, args, ctx) => trends.entityTimeline(ctx, e, args),
  related: (e, args, ctx) => trends.relatedEntities(ctx, e, args),
};
