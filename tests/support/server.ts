import type { Database } from '../../src/db/client';
import type { RateLimitConfig } from '../../src/modules/ratelimit/rate-limit';
import type { SsrfPolicy } from '../../src/delivery/ssrf';
import { createApp, type App } from '../../src/server/app';
import { DEFAULT_LIMITS, type QueryLimits } from '../../src/graphql/limits';
import type { SubscriptionCaps } from '../../src/server/operation-slots';
import { createLogger } from '../../src/observability/logger';
import { buildSchema } from '../../src/graphql/schema';
import { EventHub } from '../../src/realtime/event-hub';
import { createTestDatabase, type TestDatabase } from './db';

export interface TestServer {
  url: string;
  app: App;
  hub: EventHub;
  close(): Promise<void>;
}

/** A real HTTP server on a free loopback port, over the given database. */
export const PUBLISH_TOKEN = 'test-publish-token-0123456789';

export interface TestServerOptions {
  maxPageSize?: number;
  queueMax?: number;
  keepAliveMs?: number;
  subscriptionRetryMs?: number;
  retentionMs?: number;
  pollIntervalMs?: number;
  maxLag?: number;
  stallMs?: number;
  hideSuggestions?: boolean;
  /** Operations at once per socket and per client. */
  subscriptionCaps?: SubscriptionCaps;
  metricsToken?: string;
  metricsOwnPort?: boolean;
  /** Query limits over the defaults. */
  limits?: Partial<QueryLimits>;
  /** Schema introspection (default on, as in development). */
  introspection?: boolean;
  publicRead?: boolean;
  rateLimits?: RateLimitConfig | null;
  corsOrigins?: string[];
  webhookPolicy?: SsrfPolicy;
  itemLinkTemplate?: string | null;
  publicUrl?: string | null;
  explorer?: boolean;
  persistedQueryCacheBytes?: number;
  getCacheMaxAge?: number;
  responseCacheBytes?: number;
  /** Listen on this port (a restart on the same address); default any free port. */
  port?: number;
  /** The server's PUBLISH_TOKEN (default PUBLISH_TOKEN above). */
  publishToken?: string;
}

/** A real HTTP + WebSocket server on a free loopback port, over the given database. */
export async function startTestServer(database: Database, options: TestServerOptions = {}): Promise<TestServer> {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const hub = new EventHub({ database, log, pollIntervalMs: options.pollIntervalMs ?? 200, maxLag: options.maxLag, stallMs: options.stallMs });
  await hub.start();
  const app = await createApp({
    database,
    schema: buildSchema('test'),
    hub,
    log,
    maxPageSize: options.maxPageSize ?? 100,
    introspection: options.introspection ?? true,
    publishToken: options.publishToken ?? PUBLISH_TOKEN,
    retentionMs: options.retentionMs ?? 30 * 86_400_000,
    queueMax: options.queueMax ?? 1000,
    keepAliveMs: options.keepAliveMs,
    subscriptionRetryMs: options.subscriptionRetryMs,
    hideSuggestions: options.hideSuggestions,
    publicRead: options.publicRead,
    rateLimits: options.rateLimits ?? null,
    corsOrigins: options.corsOrigins,
    webhookPolicy: options.webhookPolicy,
    itemLinkTemplate: options.itemLinkTemplate,
    publicUrl: options.publicUrl,
    explorer: options.explorer,
    persistedQueryCacheBytes: options.persistedQueryCacheBytes,
    getCacheMaxAge: options.getCacheMaxAge,
    responseCacheBytes: options.responseCacheBytes,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    subscriptionCaps: options.subscriptionCaps,
    metricsToken: options.metricsToken,
    metricsOwnPort: options.metricsOwnPort,
  });
  const url = await app.listen(options.port ?? 0, '127.0.0.1');
  return {
    url,
    app,
    hub,
    close: async () => {
      await app.close();
      await hub.stop();
    },
  };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  headers: Headers;
}

/** POSTs an operation to /graphql like any client would. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: GraphQLResponse['errors'] };
  return { status: res.status, ...body, headers: res.headers };
}

export interface ServedDatabase {
  db: TestDatabase;
  server: TestServer;
}

/**
 * A fresh database (optionally seeded) and a real server over it, for one describe block:
 * set up in `before`, disposed in `after` (beforeAll/afterAll unless told otherwise).
 */
export function serveTestDatabase(
  options: TestServerOptions & { seed?: (db: TestDatabase) => Promise<unknown>; each?: boolean } = {},
): ServedDatabase {
  const ctx = {} as ServedDatabase;
  (options.each ? beforeEach : beforeAll)(async () => {
    ctx.db = await createTestDatabase();
    await options.seed?.(ctx.db);
    ctx.server = await startTestServer(ctx.db, options);
  });
  (options.each ? afterEach : afterAll)(async () => {
    await ctx.server?.close();
    await ctx.db?.dispose();
  });
  return ctx;
}
