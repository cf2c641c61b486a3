import { createServer, type Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Database } from '../db/client';
import type { SsrfPolicy } from '../delivery/ssrf';
import { outboxStats } from '../modules/webhooks/webhooks.service';
import type { RateLimitConfig } from '../modules/ratelimit/rate-limit';
import type { AuthConfig } from '../modules/auth/auth.service';
import type { EventHub } from '../realtime/event-hub';
import { OperationCore } from '../graphql/operation';
import { DEFAULT_LIMITS, type QueryLimits } from '../graphql/limits';
import type { Logger } from '../observability/logger';
import { attachWebSocket, type WebSocketEndpoint } from './ws/index'; // explicit: a dist/ built before ws.ts became ws/ still holds a stale ws.js that './ws' would load
import type { SubscriptionCaps } from './operation-slots';
import { Metrics } from './metrics';
import type { FeedOptions } from './feeds';
import { startApollo } from './http/apollo';
import { CachedReads } from './http/cached-reads';
import { graphqlHandler } from './http/graphql';
import { createRouter } from './http/router';
import { createMetricsServer } from './http/metrics-endpoint';
import { listenOn } from './http/listen';
import { shutdown } from './http/shutdown';

/**
 * The composition of the API's port: one operation core (src/graphql/operation.ts) and its two
 * adapters, GraphQL over HTTP (Apollo, src/server/http/) and over WebSocket (graphql-ws, ws.ts),
 * beside feeds, pages, health and metrics.
 */
export interface AppOptions {
  database: Database;
  schema: GraphQLSchema;
  hub: EventHub;
  log: Logger;
  maxPageSize: number;
  introspection: boolean;
  publishToken: string | undefined;
  /** Whether callers without a key may read (PUBLIC_READ, default on). */
  publicRead?: boolean;
  /** Event log retention: older `after` cursors get CURSOR_EXPIRED. */
  retentionMs: number;
  /** Events one subscriber may have waiting before it is closed as a slow consumer. */
  queueMax: number;
  /** How long executing a subscription event retries while the database is unavailable (default 5 s). */
  subscriptionRetryMs?: number;
  /** graphql-ws's ping interval; default 12 s (graphql-ws's own). */
  keepAliveMs?: number;
  /** Largest accepted request body or WebSocket message, in bytes. */
  maxBodyBytes?: number;
  /** Depth, aliases, directives, tokens and cost every operation must fit (HTTP and WebSocket). */
  limits?: QueryLimits;
  /** Operations at once per WebSocket and per client (key, or anonymous IP) on this process. */
  subscriptionCaps?: SubscriptionCaps;
  /** Cost points per minute per key and per anonymous IP; null: no rate limits. */
  rateLimits?: RateLimitConfig | null;
  /** Which webhook URLs may be registered and reached (SSRF guard). */
  webhookPolicy?: SsrfPolicy;
  /** Origins allowed to call from a browser (CORS); "*" for any. Empty: none. */
  corsOrigins?: readonly string[];
  /** Cut "Did you mean …?" suggestions from errors (production). */
  hideSuggestions?: boolean;
  /** Reported on /metrics (postgres.js does not expose how many connections are in use). */
  dbPoolMax?: number;
  /** Bytes of documents remembered for automatic persisted queries (0: APQ off); default 8 MiB. */
  persistedQueryCacheBytes?: number;
  /** max-age of a successful anonymous query sent by GET (CDN caching; 0: not cacheable); default 60. */
  getCacheMaxAge?: number;
  /** GraphiQL at /graphql and the index page at / for browsers (EXPLORER); off: the static how-to page. */
  explorer?: boolean;
  /** Where feeds link an item (ITEM_LINK_TEMPLATE, `{slug}` and `{id}`); else its first source. */
  itemLinkTemplate?: string | null;
  /** PUBLIC_URL: the origin feeds link to; unset, the request's Host (and feeds are not shared-cacheable). */
  publicUrl?: string | null;
  /** /metrics needs `Authorization: Bearer <token>` (METRICS_TOKEN). */
  metricsToken?: string;
  /** /metrics only on its own listener (App.listenMetrics, METRICS_PORT), not on the API's port. */
  metricsOwnPort?: boolean;
  /** Bytes of read responses cached in this process, invalidated by the event log (RESPONSE_CACHE_MB); default 0: off. */
  responseCacheBytes?: number;
  /** Keep Apollo's cache-control plugin (off by default: nothing uses its hints and it costs throughput). */
  cacheControl?: boolean;
}

export interface App {
  server: Server;
  metrics: Metrics;
  wsConnections(): number;
  /** Shared subscription groups and their members (see src/server/ws/subscription-groups.ts). */
  subscriptionGroups(): { groups: number; members: number };
  /** Operations running over WebSocket (what the subscription caps count). */
  wsOperations(): number;
  listen(port: number, host?: string): Promise<string>;
  /** Serves /metrics alone on another port (when `metricsOwnPort`); its URL. */
  listenMetrics(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** One port: GraphQL over HTTP (Apollo) and over WebSocket (graphql-ws) at /graphql, health at /healthz and /readyz. */
export async function createApp(options: AppOptions): Promise<App> {
  const { database, log, hub } = options;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const rateLimits = options.rateLimits ?? null;
  const hideSuggestions = options.hideSuggestions ?? false;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const authConfig: AuthConfig = {
    db: database.db,
    publishToken: options.publishToken,
    publicRead: options.publicRead ?? true,
    onError: (err) => log.warn({ err }, 'could not note an API key as used'),
  };
  const core = new OperationCore({
    schema: options.schema,
    db: database.db,
    log,
    auth: authConfig,
    rateLimits,
    limits,
    maxPageSize: options.maxPageSize,
    webhookPolicy: options.webhookPolicy ?? { allow: [] },
    introspection: options.introspection,
    hideSuggestions,
  });
  // The sources are read at scrape time; the WebSocket side is attached below.
  let wsEndpoint: WebSocketEndpoint | null = null;
  const metrics = new Metrics({
    hub,
    wsConnections: () => wsEndpoint?.connections() ?? 0,
    subscriptions: () => wsEndpoint?.subscriptionGroups() ?? { groups: 0, members: 0 },
    dbPoolMax: options.dbPoolMax ?? null,
    webhookQueue: () => outboxStats(database.db),
    dbPool: () => database.pool(),
  });
  const getCacheMaxAge = options.getCacheMaxAge ?? 60;
  const cachedReads = new CachedReads({ core, hub, metrics, log, maxBytes: options.responseCacheBytes ?? 0, getCacheMaxAge });
  const apollo = await startApollo({
    core,
    metrics,
    log,
    hideSuggestions,
    persistedQueryCacheBytes: options.persistedQueryCacheBytes ?? 8 * 1024 * 1024,
    getCacheMaxAge,
    cacheControl: options.cacheControl ?? false,
    cachedReads,
  });
  const graphql = graphqlHandler({
    core,
    apollo,
    cachedReads,
    log,
    maxBodyBytes: maxBody,
    // No socket over HTTP, so no subscription sink.
    realtime: () => ({ hub, retentionMs: options.retentionMs, queueMax: options.queueMax }),
  });
  const feeds: FeedOptions = {
    db: database.db,
    core,
    linkTemplate: options.itemLinkTemplate ?? null,
    publicUrl: options.publicUrl ?? null,
    onRateLimited: () => metrics.limited('http'),
  };
  const server = createServer(
    createRouter({
      database,
      hub,
      log,
      metrics,
      graphql,
      feeds,
      corsOrigins: options.corsOrigins ?? [],
      explorer: options.explorer ?? false,
      metricsToken: options.metricsToken,
      metricsOwnPort: options.metricsOwnPort ?? false,
    }),
  );

  const ws = (wsEndpoint = attachWebSocket({
    server,
    path: '/graphql',
    core,
    hub,
    log,
    retentionMs: options.retentionMs,
    queueMax: options.queueMax,
    keepAliveMs: options.keepAliveMs ?? 12_000,
    subscriptionRetryMs: options.subscriptionRetryMs ?? 5_000,
    maxPayloadBytes: maxBody,
    limits,
    subscriptionCaps: options.subscriptionCaps,
    metrics,
  }));

  let metricsServer: Server | null = null;
  return {
    server,
    metrics,
    wsConnections: () => ws.connections(),
    subscriptionGroups: () => ws.subscriptionGroups(),
    wsOperations: () => ws.operations(),
    listen: (port, host = '127.0.0.1') => listenOn(server, port, host),
    listenMetrics: (port, host = '127.0.0.1') => {
      if (!options.metricsOwnPort) throw new Error('listenMetrics needs metricsOwnPort: /metrics is served on the API port');
      metricsServer ??= createMetricsServer(metrics, options.metricsToken, log);
      return listenOn(metricsServer, port, host);
    },
    close: () => shutdown({ server, metricsServer, closeWebSocket: () => ws.close(), stopExecutor: () => apollo.stop() }),
  };
}
