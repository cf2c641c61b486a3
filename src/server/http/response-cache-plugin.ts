import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import { Counter, Gauge } from 'prom-client';
import type { GraphQLContext } from '../../graphql/context';
import { ResponseCache, cacheKey, cachePolicy, coercedVariables, etagOf, type CachedResponse } from '../../graphql/response-cache';
import type { EventHub } from '../../realtime/event-hub';
import type { Metrics } from '../metrics';

export interface ResponseCachePluginOptions {
  hub: EventHub;
  metrics: Metrics;
  /** Bytes of responses kept (RESPONSE_CACHE_MB); 0: no cache (ETags and 304s still). */
  maxBytes: number;
}

type Result = FormattedExecutionResult;

/** The body Apollo sends for a result (runHttpQuery: errors, data, extensions in that order, then a newline). */
const serialise = (r: Result): string => JSON.stringify({ errors: r.errors, data: r.data, extensions: r.extensions }) + '\n';

/** Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 asks for If-None-Match). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/**
 * The response cache on Apollo's HTTP path (issue 14): a read that the cache holds is answered
 * from it without execution (`responseForOperation`, after the scope, cost and rate-limit checks
 * of didResolveOperation); a successful read is stored once sent (`willSendResponse`), tagged by
 * what it read (cache-policy.ts). The hub's reads of the event log invalidate entries before the
 * events reach this process's subscribers; a successful mutation through this process clears the
 * cache at once (read-your-writes here, without waiting for the listener).
 *
 * Every read response the policy allows gets a strong ETag of its bytes, and a request whose
 * If-None-Match names it gets 304. Mutations, subscriptions, responses with errors and admin data
 * are never stored and get no ETag.
 */
export function responseCachePlugin(options: ResponseCachePluginOptions): ApolloServerPlugin<GraphQLContext> {
  const cache = options.maxBytes > 0 ? new ResponseCache<Result>(options.maxBytes) : null;
  const unsubscribe = cache ? options.hub.onEventsRead((batch) => cache.invalidate(batch)) : () => undefined;
  if (cache) registerMetrics(options.metrics, cache);

  return {
    serverWillStart: async () => ({ serverWillStop: async () => void unsubscribe() }),
    requestDidStart: async ({ request }) => {
      let state: { key: string; since: number; tags: ReadonlySet<string>; hit: CachedResponse<Result> | null } | null = null;
      return {
        responseForOperation: async ({ schema, document, operation, operationName, contextValue }) => {
          if (!operation || operation.operation !== 'query') return null;
          const variables = coercedVariables(schema, operation, request.variables);
          if (!variables) return null;
          const policy = cachePolicy(schema, document, operation, variables);
          if (!policy) return null;
          const key = cacheKey(document, operationName ?? null, variables, contextValue.auth.scopes);
          state = { key, since: cache?.begin() ?? 0, tags: policy.tags, hit: cache?.get(key) ?? null };
          if (!state.hit?.value) return null;
          return { body: { kind: 'single', singleResult: state.hit.value }, http: { status: undefined, headers: new HeaderMap() } };
        },
        willSendResponse: async ({ response, operation }) => {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (operation?.operation === 'mutation') {
            if (!result.errors?.length) cache?.clear();
            return;
          }
          if (!state || result.errors?.length || (response.http.status ?? 200) !== 200) return;
          let etag: string;
          if (state.hit) {
            etag = state.hit.etag;
          } else {
            const body = serialise(result);
            etag = cache?.set(state.key, state.since, body, state.tags, result)?.etag ?? etagOf(body);
          }
          response.http.headers.set('etag', etag);
          if (cache) response.http.headers.set('x-response-cache', state.hit ? 'hit' : 'miss');
          if (matches(request.http?.headers.get('if-none-match'), etag)) response.http.status = 304;
        },
      };
    },
  };
}

function registerMetrics(metrics: Metrics, cache: ResponseCache<Result>): void {
  const registers = [metrics.registry];
  const counter = (name: string, help: string, pick: (s: ReturnType<typeof cache.stats>) => number): void => {
    new Counter({ name, help, registers, collect() { this.reset(); this.inc(pick(cache.stats())); } });
  };
  counter('digestql_response_cache_hits_total', 'Read operations answered from the response cache', (s) => s.hits);
  counter('digestql_response_cache_misses_total', 'Cacheable read operations executed (not in the cache)', (s) => s.misses);
  counter('digestql_response_cache_invalidations_total', 'Cache entries removed because an event changed what they read', (s) => s.invalidations);
  counter('digestql_response_cache_evictions_total', 'Cache entries pushed out by the byte bound (RESPONSE_CACHE_MB)', (s) => s.evictions);
  new Gauge({ name: 'digestql_response_cache_bytes', help: 'Bytes held by the response cache', registers, collect() { this.set(cache.stats().bytes); } });
  new Gauge({ name: 'digestql_response_cache_entries', help: 'Responses held by the response cache', registers, collect() { this.set(cache.stats().entries); } });
}
