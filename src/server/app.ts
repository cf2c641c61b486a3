import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Database } from '../db/client';
import type { SsrfPolicy } from '../modules/webhooks/ssrf';
import { outboxStats } from '../modules/webhooks/webhooks.service';
import { pendingMigrations } from '../db/migrations';
import { charge, rateLimitHeaders, rateLimitedError, type RateDecision, type RateLimitConfig } from '../modules/ratelimit/rate-limit';
import { createLoaders } from '../modules/loading/loaders';
import { authenticate, requireScope, type AuthConfig } from '../modules/auth/auth.service';
import type { EventHub } from '../realtime/event-hub';
import type { Auth, GraphQLContext } from '../graphql/context';
import { ErrorCode } from '../graphql/errors';
import { attachWebSocket, type WebSocketEndpoint } from './ws';
import type { SubscriptionCaps } from './operation-slots';
import { Metrics, operationNameOf } from './metrics';
import { formatError, isDatabaseUnavailable } from '../graphql/format-error';
import type { Logger } from '../observability/logger';
import { runWithRequestId } from '../graphql/request-scope';
import { unstorableTextError } from '../graphql/unstorable-text';
import { sendPage, wantsPage } from './pages';
import { handleFeed, type FeedOptions } from './feeds';
import { getCachePlugin, persistedQueries } from './persisted-queries';
import { responseCachePlugin } from './response-cache-plugin';
import { sendApiDocs, sendAsset, sendExplorer, sendIndex, sendLive } from './web-pages';
import { DEFAULT_LIMITS, costError, operationCost, operationRules, responseTooLargeError, tokenLimitMessage, type QueryLimits } from '../graphql/limits';

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
  /** Shared subscription groups and their members (see src/realtime/subscription-groups.ts). */
  subscriptionGroups(): { groups: number; members: number };
  /** Operations running over WebSocket (what the subscription caps count). */
  wsOperations(): number;
  listen(port: number, host?: string): Promise<string>;
  /** Serves /metrics alone on another port (when `metricsOwnPort`); its URL. */
  listenMetrics(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  // A declared length over the limit is refused before a byte of the body is read.
  if (Number(req.headers['content-length']) > limit) throw new HttpError(413, `request body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const within = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]).catch(() => fallback);

/**
 * Ready to serve: the database answers, this build's migrations are all applied, and the event
 * listener hears NOTIFY (so subscribers get events at once, not at the next safety poll).
 * Each check has a second; a check that fails or hangs says so.
 */
async function readiness(database: Database, hub: EventHub): Promise<{ ready: boolean; body: Record<string, string> }> {
  const [db, pending, listener] = await Promise.all([
    within(database.ping().then(() => true), 1000, false),
    within(pendingMigrations(database.db), 1000, -1),
    within(hub.probe(1000), 1500, false),
  ]);
  const migrations = pending === 0 ? 'ok' : pending < 0 ? 'unknown' : `${pending} pending: run digestql migrate`;
  const ready = db && pending === 0 && listener;
  return { ready, body: { status: ready ? 'ready' : 'not ready', database: db ? 'ok' : 'unreachable', migrations, listener: listener ? 'ok' : 'not hearing notifications' } };
}

/** A response that failed only because the database is unavailable is a 503 with Retry-After. */
function unavailablePlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async () => ({
      willSendResponse: async ({ response }) => {
        if (response.body.kind !== 'single') return;
        const { data, errors } = response.body.singleResult;
        if (data == null && errors?.some((e) => e.extensions?.code === ErrorCode.DATABASE_UNAVAILABLE)) {
          response.http.status = 503;
          response.http.headers.set('retry-after', '1');
        }
      },
    }),
  };
}

/** One log line per GraphQL operation: who, what, how long, how it ended. */
function operationLogPlugin(log: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async () => {
      const started = process.hrtime.bigint();
      return {
        willSendResponse: async (rc) => {
          const { response, contextValue } = rc;
          const body = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
          const codes = body.errors?.map((e) => e.extensions?.code);
          log.info(
            {
              requestId: contextValue.requestId,
              operation: operationNameOf(rc),
              principal: contextValue.auth.principal,
              ms: Number(process.hrtime.bigint() - started) / 1e6,
              outcome: codes?.length ? 'error' : 'ok',
              ...(codes?.length ? { codes } : {}),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}

/** Headers a browser script may read from our responses. */
const EXPOSED_HEADERS = 'x-request-id, ratelimit-limit, ratelimit-remaining, ratelimit-reset, ratelimit-policy, retry-after';

/**
 * CORS for /graphql: origins in the list (or any, with "*") may call from a browser; others get
 * no CORS headers, so their browsers refuse. Answers a preflight itself (returns true).
 */
function applyCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && (origins.includes('*') || origins.includes(origin));
  if (allowed) {
    res.setHeader('access-control-allow-origin', origins.includes('*') ? '*' : origin);
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
  }
  res.setHeader('vary', 'origin');
  if (req.method !== 'OPTIONS') return false;
  if (allowed) {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id');
    res.setHeader('access-control-max-age', '600');
  }
  res.writeHead(204).end();
  return true;
}

/**
 * A mutation refused for want of a credential or a scope answers 401 or 403, as reads do
 * (readScopePlugin), not 200: mutations check their scope in their resolvers (auth.service.ts),
 * so the status is set from the errors once nothing was done.
 */
function authStatusPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async () => ({
      willSendResponse: async ({ response }) => {
        if (response.body.kind !== 'single' || (response.http.status ?? 200) !== 200) return;
        const { data, errors } = response.body.singleResult;
        if (!errors?.length || (data != null && Object.values(data).some((v) => v !== null))) return;
        const codes = new Set(errors.map((e) => e.extensions?.code));
        if (codes.has(ErrorCode.UNAUTHENTICATED)) {
          response.http.status = 401;
          response.http.headers.set('www-authenticate', 'Bearer');
        } else if (codes.has(ErrorCode.FORBIDDEN)) {
          response.http.status = 403;
        }
      },
    }),
  };
}

/** Subscriptions are served over WebSocket only: over HTTP one is the client's mistake, said so (not a masked 500). */
function noHttpSubscriptionsPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ operation }) => {
        if (operation?.operation !== 'subscription') return;
        throw new GraphQLError('subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP', {
          extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
        });
      },
    }),
  };
}

/** Queries (and subscriptions) need the read scope; mutations check their own scope in their resolvers. */
function readScopePlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ operation, contextValue }) => {
        if (operation?.operation === 'mutation') return;
        try {
          requireScope(contextValue.auth, 'read', 'reading');
        } catch (err) {
          const e = err as GraphQLError;
          throw new GraphQLError(e.message, { extensions: { ...e.extensions, http: { status: e.extensions.code === ErrorCode.UNAUTHENTICATED ? 401 : 403 } } });
        }
      },
    }),
  };
}

/**
 * Before an operation runs: refuses it over the cost limit, then takes its cost from the caller's
 * rate-limit bucket (refusing with 429 when empty). Every response carries the RateLimit headers.
 */
function costAndRatePlugin(maxCost: number, rate: RateLimitConfig | null, metrics: Metrics): ApolloServerPlugin<GraphQLContext> {
  return {
    requestDidStart: async () => {
      let decision: RateDecision | null = null;
      return {
        didResolveOperation: async ({ schema, document, operationName, request, contextValue }) => {
          const unstorable = unstorableTextError(document, operationName, request.variables);
          if (unstorable) throw new GraphQLError(unstorable.message, { extensions: { ...unstorable.extensions, http: { status: 400 } } });
          const cost = operationCost(schema, document, operationName, request.variables, contextValue.limits.maxPageSize);
          if (cost > maxCost) {
            const e = costError(cost, maxCost);
            throw new GraphQLError(e.message, { extensions: { ...e.extensions, http: { status: 400 } } });
          }
          decision = await charge(contextValue.db, rate, contextValue.auth, contextValue.ip, cost);
          if (decision && !decision.granted) {
            metrics.limited('http');
            const e = rateLimitedError(decision, Math.max(1, cost));
            throw new GraphQLError(e.message, { extensions: { ...e.extensions, http: { status: 429, headers: new HeaderMap(Object.entries(rateLimitHeaders(decision))) } } });
          }
        },
        willSendResponse: async ({ response }) => {
          if (!decision) return;
          for (const [k, v] of Object.entries(rateLimitHeaders(decision))) response.http.headers.set(k, v);
        },
      };
    },
  };
}

/**
 * Apollo refuses some requests (a persisted query whose hash does not match, an unsupported
 * persisted-query version) with a plain GraphQLError and an HTTP 4xx but no code, which the
 * formatter would mask as an internal error: they are the client's, BAD_REQUEST, message kept.
 */
function clientRequestError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError | null {
  if (formatted.extensions?.code !== ErrorCode.INTERNAL_SERVER_ERROR || formatted.path || !(error instanceof GraphQLError)) return null;
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  if (status === undefined || status < 400 || status >= 500) return null;
  return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.BAD_REQUEST } };
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** /metrics, behind a bearer token when one is set. */
async function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: Metrics, token: string | undefined): Promise<void> {
  const [scheme, given] = (req.headers.authorization ?? '').split(' ');
  if (token !== undefined && !(scheme?.toLowerCase() === 'bearer' && given && timingSafeEqual(sha256(given), sha256(token)))) {
    sendJson(res, 401, { error: '/metrics needs Authorization: Bearer <METRICS_TOKEN>' }, { 'www-authenticate': 'Bearer' });
    return;
  }
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType });
  res.end(text);
}

function listenOn(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${bound}`);
    });
  });
}

/** One port: GraphQL over HTTP (Apollo) and over WebSocket (graphql-ws) at /graphql, health at /healthz and /readyz. */
export async function createApp(options: AppOptions): Promise<App> {
  const { database, log } = options;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const rateLimits = options.rateLimits ?? null;
  const authConfig: AuthConfig = {
    db: database.db,
    publishToken: options.publishToken,
    publicRead: options.publicRead ?? true,
    onError: (err) => log.warn({ err }, 'could not note an API key as used'),
  };
  // The sources are read at scrape time; the WebSocket side is attached below.
  let wsEndpoint: WebSocketEndpoint | null = null;
  const metrics = new Metrics({
    hub: options.hub,
    wsConnections: () => wsEndpoint?.connections() ?? 0,
    subscriptions: () => wsEndpoint?.subscriptionGroups() ?? { groups: 0, members: 0 },
    dbPoolMax: options.dbPoolMax ?? null,
    webhookQueue: () => outboxStats(database.db),
    dbPool: () => database.pool(),
  });
  const hideSchemaDetails = options.hideSuggestions ?? false;
  const formatHttpError = formatError(log, { hideSuggestions: hideSchemaDetails });
  const apollo = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    // Introspection is one of our rules (operationRules), so that graphql-ws refuses it alike:
    // Apollo's own switch stays on to not report it twice.
    validationRules: operationRules(limits, { introspection: options.introspection }),
    parseOptions: { maxTokens: limits.maxTokens },
    hideSchemaDetailsFromClientErrors: hideSchemaDetails,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The process owns SIGTERM/SIGINT (src/cli.ts: close sockets with 1001, drain, close the
    // database, exit 0). Apollo's own handler would stop Apollo and re-raise the signal, killing the
    // process mid-shutdown (exit 143, the embedded database left open) outside NODE_ENV=test.
    stopOnTerminationSignals: false,
    persistedQueries: persistedQueries(options.persistedQueryCacheBytes ?? 8 * 1024 * 1024),
    formatError: (formatted, error) => {
      // The token limit is a parse error in graphql-js: say it like the other limits.
      const tokens = formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED' ? tokenLimitMessage(formatted.message, limits.maxTokens) : null;
      const f = tokens ? { ...formatted, message: tokens, extensions: { ...formatted.extensions, limit: 'maxTokens' } } : formatted;
      return formatHttpError(clientRequestError(f, error) ?? f, error);
    },
    // Cache-control hints cost throughput on large nested responses and nothing here uses them
    // (bench/RESULTS.md measures both); APOLLO_CACHE_CONTROL=true brings Apollo's default back.
    plugins: [
      ...(options.cacheControl ? [] : [ApolloServerPluginCacheControlDisabled()]),
      ApolloServerPluginLandingPageDisabled(),
      noHttpSubscriptionsPlugin(),
      readScopePlugin(),
      authStatusPlugin(),
      costAndRatePlugin(limits.maxCost, rateLimits, metrics),
      metrics.apolloPlugin<GraphQLContext>(),
      operationLogPlugin(log),
      unavailablePlugin(),
      getCachePlugin(options.getCacheMaxAge ?? 60),
      responseCachePlugin({ hub: options.hub, metrics, maxBytes: options.responseCacheBytes ?? 0 }),
    ],
    logger: {
      debug: (m: unknown) => log.debug(m),
      info: (m: unknown) => log.info(m),
      warn: (m: unknown) => log.warn(m),
      error: (m: unknown) => log.error(m),
    },
  });
  await apollo.start();
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;

  const webhookPolicy = options.webhookPolicy ?? { allow: [] };
  const context = async (requestId: string, auth: Auth, ip: string | null): Promise<GraphQLContext> => ({
    db: database.db,
    ip,
    webhookPolicy,
    loaders: createLoaders(database.db),
    limits: { maxPageSize: options.maxPageSize },
    requestId,
    auth,
    realtime: { hub: options.hub, retentionMs: options.retentionMs, queueMax: options.queueMax, onSlowConsumer: () => undefined, onUnavailable: () => undefined, isBackedUp: () => true },
  });

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBody);
      const type = headers.get('content-type') ?? '';
      if (type.includes('application/json')) {
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          throw new HttpError(400, 'request body is not valid JSON');
        }
      } else {
        body = raw;
      }
    }
    let auth: Awaited<ReturnType<typeof authenticate>>;
    try {
      auth = await authenticate(headers.get('authorization'), authConfig);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      log.warn({ err, requestId }, 'database unavailable');
      const body = { errors: [{ message: 'the database is unavailable or overloaded; retry shortly', extensions: { code: ErrorCode.DATABASE_UNAVAILABLE, requestId } }] };
      sendJson(res, 503, body, { 'x-request-id': requestId, 'retry-after': '1' });
      return;
    }
    if (auth === 'invalid') {
      const message = 'the Authorization header holds no valid credential: expected "Bearer <key>" with a live (not revoked, not expired) API key';
      sendJson(res, 401, { errors: [{ message, extensions: { code: ErrorCode.UNAUTHENTICATED } }] }, { 'x-request-id': requestId, 'www-authenticate': 'Bearer' });
      return;
    }
    const request: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body };
    const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: () => context(requestId, auth, req.socket.remoteAddress ?? null) });
    for (const [k, v] of response.headers) res.setHeader(k, v);
    res.setHeader('x-request-id', requestId);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      const size = Buffer.byteLength(response.body.string);
      if (size > limits.maxResponseBytes) {
        // Long texts the cost does not count: the client gets why, not megabytes.
        log.warn({ requestId, size, maxResponseBytes: limits.maxResponseBytes }, 'response over the size limit refused');
        const { message, extensions } = responseTooLargeError(size, limits.maxResponseBytes);
        res.statusCode = 400;
        res.removeHeader('content-length');
        res.end(JSON.stringify({ errors: [{ message, extensions }] }));
        return;
      }
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  const feeds: FeedOptions = {
    db: database.db,
    auth: authConfig,
    rateLimits,
    linkTemplate: options.itemLinkTemplate ?? null,
    publicUrl: options.publicUrl ?? null,
    onRateLimited: () => metrics.limited('http'),
  };

  const server = createServer((req, res) => {
    const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 100)) || randomUUID();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const started = process.hrtime.bigint();
    runWithRequestId(requestId, async () => {
      try {
        const browsing = (url.pathname === '/graphql' || url.pathname === '/') && wantsPage(req, url);
        if (browsing && options.explorer) {
          (url.pathname === '/' ? sendIndex : sendExplorer)(req, res);
        } else if (browsing) {
          sendPage(req, res);
        } else if (url.pathname === '/live' && (req.method === 'GET' || req.method === 'HEAD')) {
          sendLive(req, res);
        } else if (url.pathname === '/docs/api' && (req.method === 'GET' || req.method === 'HEAD')) {
          sendApiDocs(req, res);
        } else if (url.pathname.startsWith('/assets/') && (req.method === 'GET' || req.method === 'HEAD') && (await sendAsset(req, res, url.pathname.slice('/assets/'.length)))) {
          // sent
        } else if (url.pathname === '/graphql') {
          if (applyCors(req, res, options.corsOrigins ?? [])) return;
          await handleGraphQL(req, res, url, requestId);
        } else if (url.pathname.startsWith('/feeds/')) {
          // Browser apps may read feeds (JSON Feed above all) from the same origins as the API.
          if (applyCors(req, res, options.corsOrigins ?? [])) return;
          await handleFeed(req, res, url, feeds, requestId);
        } else if (url.pathname === '/healthz') {
          sendJson(res, 200, { status: 'ok' });
        } else if (url.pathname === '/metrics' && !options.metricsOwnPort) {
          await serveMetrics(req, res, metrics, options.metricsToken);
        } else if (url.pathname === '/readyz') {
          const report = await readiness(database, options.hub);
          sendJson(res, report.ready ? 200 : 503, report.body, { 'cache-control': 'no-store' });
        } else {
          sendJson(res, 404, { error: `no route ${url.pathname}: the API is at /graphql` });
        }
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500) log.error({ err, requestId }, 'request failed');
        if (!res.headersSent) {
          // 413: the rest of the body is not wanted; closing spares reading (and waiting for) it.
          const close: Record<string, string> = status === 413 ? { connection: 'close' } : {};
          sendJson(res, status, { errors: [{ message: status === 500 ? 'Internal server error' : (err as Error).message }] }, { 'x-request-id': requestId, ...close });
        } else {
          res.end();
        }
      } finally {
        log.info(
          { requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 },
          'request',
        );
      }
    });
  });

  const ws = (wsEndpoint = attachWebSocket({
    server,
    path: '/graphql',
    schema: options.schema,
    db: database.db,
    hub: options.hub,
    log,
    auth: authConfig,
    rateLimits,
    webhookPolicy,
    maxPageSize: options.maxPageSize,
    retentionMs: options.retentionMs,
    queueMax: options.queueMax,
    keepAliveMs: options.keepAliveMs ?? 12_000,
    subscriptionRetryMs: options.subscriptionRetryMs ?? 5_000,
    maxPayloadBytes: maxBody,
    limits,
    hideSuggestions: hideSchemaDetails,
    introspection: options.introspection,
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
      metricsServer ??= createServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        if (path !== '/metrics') return sendJson(res, 404, { error: `no route ${path}: this port serves /metrics only` });
        serveMetrics(req, res, metrics, options.metricsToken).catch((err: unknown) => {
          log.error({ err }, 'metrics scrape failed');
          if (!res.headersSent) sendJson(res, 500, { error: 'metrics unavailable' });
        });
      });
      return listenOn(metricsServer, port, host);
    },
    close: async () => {
      if (metricsServer?.listening) await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
      // Stop accepting, let in-flight requests finish (5 s at most), then cut what is left.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await ws.close();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(timer);
      await apollo.stop();
    },
  };
}
