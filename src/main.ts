import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnv, type Env } from './config/env';
import { openDatabase, type Database } from './db/client';
import { packageRoot } from './db/paths';
import { DatabaseNotMigratedError, pendingMigrations } from './db/migrations';
import { hasAnyReport } from './modules/reports/reports.repository';
import { collectMarkdownFiles, ingestFiles } from './modules/publishing/ingest-files';
import { createApp, type App } from './server/app';
import { createLogger, type Logger } from './observability/logger';
import { buildSchema } from './graphql/schema';
import { EventHub } from './realtime/event-hub';
import { purgeIdleBuckets } from './modules/ratelimit/rate-limit';
import { WebhookWorker } from './delivery/webhook-worker';
import { purgeBefore } from './modules/events/events.repository';

/** Drops events older than the retention window, hourly (on every instance; it is idempotent). */
function startRetention(database: Database, retentionMs: number, log: Logger): NodeJS.Timeout {
  const purge = (): void => {
    purgeBefore(database.db, new Date(Date.now() - retentionMs)).then(
      (n) => n > 0 && log.info({ purged: n }, 'purged events past retention'),
      (err: unknown) => log.warn({ err }, 'event purge failed; will retry'),
    );
    // A bucket idle for a minute is full: older rows are only clutter (one per anonymous IP).
    purgeIdleBuckets(database.db, new Date(Date.now() - 3_600_000)).catch((err: unknown) => log.warn({ err }, 'rate-limit bucket purge failed; will retry'));
  };
  purge();
  const timer = setInterval(purge, 3_600_000);
  timer.unref();
  return timer;
}

export const VERSION: string = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

export function databaseFromEnv(env: Env): Promise<Database> {
  return openDatabase({
    url: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    poolMax: env.DB_POOL_MAX,
    connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
    poolTimeoutMs: env.DB_POOL_TIMEOUT_MS,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
  });
}

export interface Running {
  url: string;
  app: App;
  database: Database;
  stop(): Promise<void>;
}

/**
 * Composition root: config → database (migrated and seeded when embedded) → schema → HTTP.
 * Real Postgres is migrated by `digestql migrate` before a deploy, never by a serving process.
 */
export async function startServer(env: Env = loadEnv(), log: Logger = createLogger(env.LOG_LEVEL)): Promise<Running> {
  const database = await databaseFromEnv(env);
  try {
    if (database.kind !== 'pglite') {
      // Said plainly, before anything reads a table that is not there yet.
      const pending = await pendingMigrations(database.db);
      if (pending > 0) throw new DatabaseNotMigratedError(pending);
    } else {
      await database.migrate();
      const seed = env.SEED_EXAMPLES ?? true;
      if (seed && !(await hasAnyReport(database.db))) {
        const files = await collectMarkdownFiles([join(packageRoot(), 'examples')]);
        const outcomes = await ingestFiles(database, files);
        log.info({ loaded: outcomes.filter((o) => o.ok).length }, 'first start: loaded the example digests');
      }
    }
    const hub = new EventHub({ database, log, pollIntervalMs: env.EVENT_POLL_INTERVAL_MS, maxLag: env.SUBSCRIPTION_MAX_LAG, stallMs: env.SUBSCRIPTION_STALL_MS });
    await hub.start();
    const retentionMs = env.EVENT_RETENTION_DAYS * 86_400_000;
    const purger = startRetention(database, retentionMs, log);
    const webhookPolicy = { allow: env.WEBHOOK_ALLOW_HOSTS };
    const app = await createApp({
      database,
      schema: buildSchema(VERSION),
      hub,
      log,
      maxPageSize: env.MAX_PAGE_SIZE,
      introspection: env.INTROSPECTION ?? env.NODE_ENV !== 'production',
      publishToken: env.PUBLISH_TOKEN,
      publicRead: env.PUBLIC_READ,
      corsOrigins: env.CORS_ORIGINS,
      webhookPolicy,
      // 0 per minute turns a limit off (rate-limit.ts charge).
      rateLimits: { keyPerMinute: env.RATE_LIMIT_KEY_PER_MINUTE, anonymousPerMinute: env.RATE_LIMIT_ANON_PER_MINUTE },
      retentionMs,
      queueMax: env.SUBSCRIPTION_QUEUE_MAX,
      keepAliveMs: env.WS_KEEPALIVE_MS,
      subscriptionCaps: { perSocket: env.MAX_SUBSCRIPTIONS_PER_SOCKET, perClient: env.MAX_SUBSCRIPTIONS_PER_CLIENT },
      subscriptionRetryMs: env.SUBSCRIPTION_RETRY_MS,
      maxBodyBytes: env.MAX_BODY_BYTES,
      cacheControl: env.APOLLO_CACHE_CONTROL,
      itemLinkTemplate: env.ITEM_LINK_TEMPLATE ?? null,
      publicUrl: env.PUBLIC_URL ?? null,
      explorer: env.EXPLORER ?? env.NODE_ENV !== 'production',
      persistedQueryCacheBytes: env.APQ_CACHE_BYTES,
      getCacheMaxAge: env.GET_CACHE_MAX_AGE,
      responseCacheBytes: env.RESPONSE_CACHE_MB * 1024 * 1024,
      metricsToken: env.METRICS_TOKEN,
      metricsOwnPort: env.METRICS_PORT !== undefined,
      dbPoolMax: database.kind === 'postgres' ? env.DB_POOL_MAX : undefined,
      limits: { maxDepth: env.MAX_DEPTH, maxAliases: env.MAX_ALIASES, maxDirectives: env.MAX_DIRECTIVES, maxTokens: env.MAX_TOKENS, maxCost: env.MAX_COST, maxResponseBytes: env.MAX_RESPONSE_BYTES },
      hideSuggestions: env.NODE_ENV === 'production',
    });
    const webhooks = new WebhookWorker({
      database,
      log,
      policy: webhookPolicy,
      pollMs: env.WEBHOOK_POLL_MS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      linkTemplate: env.ITEM_LINK_TEMPLATE ?? null,
      onAttempt: (outcome, ms) => app.metrics.webhookAttempt(outcome, ms),
    });
    await webhooks.start();
    const url = await app.listen(env.PORT, env.HOST);
    if (env.METRICS_PORT !== undefined) log.info({ url: `${await app.listenMetrics(env.METRICS_PORT, env.HOST)}/metrics` }, 'metrics are served on their own port');
    log.info({ url: `${url}/graphql`, database: database.kind }, 'digestql is serving');
    return {
      url,
      app,
      database,
      stop: async () => {
        clearInterval(purger);
        await app.close();
        await webhooks.stop();
        await hub.stop();
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}
