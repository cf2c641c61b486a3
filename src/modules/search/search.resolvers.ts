import type { QueryResolvers, SearchEdgeResolvers } from '../../generated/graphql';
import * as search from './search.service';

export const searchQueries: Pick<QueryResolvers, 'search'> = {
  search: (_p, args, ctx) => search.search(ctx, args),
};

export const SearchEdge: SearchEdgeResolvers = {
  highlights: (hit, _a, ctx) => search.highlightsOfHit(ctx, hit),
};
