import DataLoader from 'dataloader';
import type { GraphQLContext } from '../../graphql/context';

const byLoaders = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();

/**
 * A DataLoader for a field whose batch depends on its arguments (a timeline's window, a related
 * list's length): one per distinct `key`, living exactly as long as the request's (or the
 * event's) loaders, so it batches a list of parents and caches nothing longer.
 */
export function loaderFor<V>(ctx: GraphQLContext, key: string, batch: (ids: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
  let loaders = byLoaders.get(ctx.loaders);
  if (!loaders) byLoaders.set(ctx.loaders, (loaders = new Map()));
  let loader = loaders.get(key);
  if (!loader) loaders.set(key, (loader = new DataLoader(batch as (ids: readonly string[]) => Promise<unknown[]>)));
  return loader as DataLoader<string, V>;
}
