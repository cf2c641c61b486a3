import type { ApolloServerPlugin } from '@apollo/server';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { GraphQLContext } from '../graphql/context';

/**
 * Automatic persisted queries (Apollo's protocol: `extensions.persistedQuery.sha256Hash`) and
 * cacheable GETs, so a CDN can keep `GET /graphql?extensions=…&variables=…` for a read like
 * `report(slug)`. Documents are remembered in an LRU bounded by bytes, per process; a client whose
 * hash was evicted gets PERSISTED_QUERY_NOT_FOUND and sends the document again (the protocol's retry).
 */
export function persistedQueries(maxBytes: number): false | { cache: InMemoryLRUCache<string> } {
  return maxBytes > 0 ? { cache: new InMemoryLRUCache<string>({ maxSize: maxBytes }) } : false;
}

/**
 * A successful query sent by GET without a credential is the same for every caller: a CDN may keep
 * it for `maxAgeSeconds` (0: keep it but revalidate every time, by its ETag). Anything else sent by
 * GET (a key, an error) must not be stored by it.
 */
export function getCachePlugin(maxAgeSeconds: number): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async ({ request }) => {
      if (request.http?.method !== 'GET') return;
      return {
        willSendResponse: async ({ response, operation, contextValue }) => {
          const ok = response.body.kind === 'single' && !response.body.singleResult.errors?.length;
          const shared = ok && operation?.operation === 'query' && contextValue.auth.principal === 'anonymous' && !request.http?.headers.get('authorization');
          for (const [k, v] of Object.entries(getCacheHeaders(maxAgeSeconds, shared))) response.http.headers.set(k, v);
        },
      };
    },
  };
}

/**
 * The caching headers of a GET answer: `shared` when it is a successful query read without a
 * credential. max-age 0: a CDN or browser may keep it but asks again each time, by the ETag
 * (src/server/http/cached-reads.ts).
 */
export function getCacheHeaders(maxAgeSeconds: number, shared: boolean): Record<string, string> {
  const control = !shared ? 'private, no-store' : maxAgeSeconds > 0 ? `public, max-age=${maxAgeSeconds}` : 'public, max-age=0, must-revalidate';
  return { 'cache-control': control, vary: 'origin, authorization' };
}
