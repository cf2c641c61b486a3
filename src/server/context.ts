import type { Executor } from '../db/client';
import type { Loaders } from '../modules/loading/loaders';

/** What every resolver gets: built per HTTP request, per subscription event on WebSocket. */
export interface GraphQLContext {
  db: Executor;
  loaders: Loaders;
  limits: { maxPageSize: number };
  requestId: string;
}
