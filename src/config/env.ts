import { z } from 'zod';

/**
 * The only reader of process.env. Every problem is listed at once, so a bad deployment is fixed
 * in one round, not one variable at a time.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  /** A query waiting this long for a free pool connection fails (DATABASE_UNAVAILABLE) instead of hanging; 0: wait. */
  DB_POOL_TIMEOUT_MS: z.coerce.number().int().min(0).default(5000),
  /** Postgres statement_timeout for the API's statements; 0: none. */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  SEED_EXAMPLES: bool.optional(),
  /** Where `digestql publish` sends digests. */
  DIGESTQL_URL: z.string().url().optional(),
  /** Whether callers without an API key may run queries and subscriptions. */
  PUBLIC_READ: bool.default(true),
  /** Query-cost points per minute per API key (and the bootstrap token); 0: unlimited. */
  RATE_LIMIT_KEY_PER_MINUTE: z.coerce.number().int().min(0).default(600_000),
  /** Query-cost points per minute per IP for callers without a key; 0: unlimited. */
  RATE_LIMIT_ANON_PER_MINUTE: z.coerce.number().int().min(0).default(120_000),
  PUBLISH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  EVENT_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(30),
  SUBSCRIPTION_QUEUE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  SUBSCRIPTION_STALL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** graphql-ws pings each socket this often and drops it (1006) when no pong comes within as long again; 0: off. */
  SUBSCRIPTION_RETRY_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  WS_KEEPALIVE_MS: z.coerce.number().int().min(0).max(3_600_000).default(12_000),
  SUBSCRIPTION_MAX_LAG: z.coerce.number().int().min(1).max(100_000_000).default(100_000),
  /** Operations (subscriptions, queries in flight) one WebSocket may run at once. */
  MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Operations one API key, or one IP without a key, may run at once over all its sockets (per process). */
  MAX_SUBSCRIPTIONS_PER_CLIENT: z.coerce.number().int().min(1).max(10_000_000).default(1000),
  EVENT_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  INTROSPECTION: bool.optional(),
  /** Comma-separated origins that browsers may call the API from, or "*"; unset: none. */
  CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'each origin must be * or scheme://host[:port] without a path')))
    .default([]),
  /** Hosts or CIDRs webhooks may reach although private, and over plain http (tests, on-premise). */
  WEBHOOK_ALLOW_HOSTS: z
    .string()
    .transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean))
    .default([]),
  /** Where Slack and Discord messages link an item, e.g. https://digest.example/{slug}#{id}. */
  ITEM_LINK_TEMPLATE: z.string().regex(/^https?:\/\//, 'must be an http(s) URL template').optional(),
  /** The site's public address (https://digest.example): feeds link to it, never to the request's Host header. */
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/?#\s]+\/?$/, 'must be an http(s) origin such as https://digest.example')
    .transform((v) => v.replace(/\/$/, ''))
    .optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(8),
  MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(15),
  MAX_DIRECTIVES: z.coerce.number().int().min(0).max(1000).default(10),
  MAX_TOKENS: z.coerce.number().int().min(50).max(100_000).default(1000),
  /** Bytes of GraphQL documents kept for automatic persisted queries, per process (LRU); 0: APQ off. */
  APQ_CACHE_BYTES: z.coerce.number().int().min(0).max(1024 * 1024 * 1024).default(8 * 1024 * 1024),
  /** Megabytes of read responses kept per process, invalidated by the event log (LRU); 0: off. */
  RESPONSE_CACHE_MB: z.coerce.number().min(0).max(64 * 1024).default(64),
  /** Cache-Control max-age of a successful anonymous query sent by GET (for CDNs); 0: revalidate every time (by ETag). */
  GET_CACHE_MAX_AGE: z.coerce.number().int().min(0).max(86_400).default(60),
  /** GraphiQL at /graphql and an index page at / for browsers; unset: on outside production. */
  EXPLORER: bool.optional(),
  MAX_COST: z.coerce.number().int().min(1).max(100_000_000).default(10_000),
  /** Largest response of one operation (HTTP body, or a WebSocket result of a query or mutation); over it: RESPONSE_TOO_LARGE. */
  MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(4 * 1024 * 1024),
  /** Serve /metrics on this port (on HOST) instead of the API's port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** /metrics requires Authorization: Bearer <METRICS_TOKEN>. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Apollo's cache-control plugin (Cache-Control headers from @cacheControl hints): off, it halves throughput on large responses. */
  APOLLO_CACHE_CONTROL: bool.default(false),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "not set" (docker-compose and .env files write them for unset values).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return result.data;
}

let cached: Env | undefined;
export function loadEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
