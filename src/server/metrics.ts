import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventHub } from '../realtime/event-hub';
import type { ResponseCacheStats } from '../graphql/response-cache';

export type Transport = 'http' | 'ws';

/** The operation's name, also for one that failed validation (Apollo resolves it only for valid ones). */
export function operationNameOf(rc: { operationName?: string | null; request: { operationName?: string }; document?: DocumentNode }): string | null {
  return rc.operationName ?? rc.request.operationName ?? (rc.document ? (getOperationAST(rc.document)?.name?.value ?? null) : null);
}

/** What /metrics reads when scraped, from the parts that own the numbers. */
/** The webhook outbox as /metrics shows it. */
export interface WebhookQueueStats {
  pending: number;
  oldestSeconds: number;
  batched: number;
}

export interface MetricSources {
  hub: EventHub;
  wsConnections(): number;
  subscriptions(): { groups: number; members: number };
  dbPoolMax: number | null;
  /** In use and waiting, when the pool is gated (Postgres). */
  dbPool?: () => { inUse: number; waiting: number; max: number } | null;
  /** Pending webhook deliveries and the age of the oldest (read from the outbox at scrape time). */
  webhookQueue?: () => Promise<WebhookQueueStats>;
}

/**
 * Prometheus metrics (prom-client), one registry per server: requests and latency by operation,
 * errors by code, WebSocket connections and subscriptions, events delivered, listener lag.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'transport' | 'operation' | 'outcome'>;
  private readonly duration: Histogram<'transport' | 'operation'>;
  private readonly errors: Counter<'transport' | 'code'>;
  private readonly delivered: Counter;
  private readonly rateLimited: Counter<'transport'>;
  private readonly webhookAttempts: Counter<'outcome'>;
  private readonly webhookLatency: Histogram;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'digestql_' });
    this.requests = new Counter({
      name: 'digestql_graphql_operations_total',
      help: 'GraphQL operations by transport, operation name and outcome (ok, error)',
      labelNames: ['transport', 'operation', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'digestql_graphql_operation_duration_seconds',
      help: 'Time to execute a GraphQL operation (HTTP) or to set up a subscription (WebSocket)',
      labelNames: ['transport', 'operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.errors = new Counter({ name: 'digestql_graphql_errors_total', help: 'Errors sent to clients by extensions.code', labelNames: ['transport', 'code'], registers });
    this.delivered = new Counter({ name: 'digestql_subscription_events_delivered_total', help: 'Subscription events sent to clients', registers });
    this.rateLimited = new Counter({ name: 'digestql_rate_limited_total', help: 'Operations refused by the rate limiter', labelNames: ['transport'], registers });
    new Gauge({ name: 'digestql_ws_connections', help: 'Open WebSocket connections', registers, collect() { this.set(sources.wsConnections()); } });
    new Gauge({
      name: 'digestql_subscriptions',
      help: 'Active subscriptions (all), and of them members of shared groups',
      labelNames: ['kind'],
      registers,
      collect() {
        const s = sources.subscriptions();
        // Each group has one log reader, each lone subscription (with `after`, or left its group) its own.
        const lone = Math.max(0, sources.hub.stats().readers - s.groups);
        this.set({ kind: 'active' }, s.members + lone);
        this.set({ kind: 'grouped' }, s.members);
      },
    });
    new Gauge({ name: 'digestql_subscription_groups', help: 'Shared subscription groups (one execution per event each)', registers, collect() { this.set(sources.subscriptions().groups); } });
    new Gauge({
      name: 'digestql_event_listener_lag',
      help: 'Sequence numbers announced by NOTIFY and not yet read from the event log',
      registers,
      collect() {
        const s = sources.hub.stats();
        this.set(Math.max(0, s.notifiedSeq - s.position.seq));
      },
    });
    new Gauge({ name: 'digestql_event_listener_connected', help: '1 while the event listener is connected', registers, collect() { this.set(sources.hub.stats().listening ? 1 : 0); } });
    new Gauge({ name: 'digestql_event_log_position', help: 'Sequence of the last event this process read', registers, collect() { this.set(sources.hub.stats().position.seq); } });
    new Gauge({ name: 'digestql_event_readers', help: 'Log readers attached to the hub (groups and lone subscriptions)', registers, collect() { this.set(sources.hub.stats().readers); } });
    new Counter({ name: 'digestql_slow_consumers_closed_total', help: 'Subscribers closed with 4503', registers, collect() { this.reset(); this.inc(sources.hub.stats().tooSlow); } });
    this.webhookAttempts = new Counter({ name: 'digestql_webhook_attempts_total', help: 'Webhook delivery attempts by outcome (succeeded, failed, gone)', labelNames: ['outcome'], registers });
    this.webhookLatency = new Histogram({
      name: 'digestql_webhook_attempt_duration_seconds',
      help: 'Time from sending a webhook to its response (or failure)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const pool = sources.dbPool;
    if (pool) {
      new Gauge({
        name: 'digestql_db_pool_connections',
        help: 'Pool connections in use by statements and transactions, and those waiting for one',
        labelNames: ['state'],
        registers,
        collect() {
          const p = pool();
          if (!p) return;
          this.set({ state: 'in_use' }, p.inUse);
          this.set({ state: 'waiting' }, p.waiting);
        },
      });
    }
    const readQueue = sources.webhookQueue;
    if (readQueue) {
      // A scrape collects the three gauges at once: they share one read of the outbox.
      let reading: Promise<WebhookQueueStats> | null = null;
      const queue = (): Promise<WebhookQueueStats> =>
        (reading ??= readQueue()
          .catch(() => ({ pending: NaN, oldestSeconds: NaN, batched: NaN }))
          .finally(() => (reading = null)));
      const gauge = (name: string, help: string, pick: (q: WebhookQueueStats) => number): void => {
        new Gauge({ name, help, registers, async collect() { this.set(pick(await queue())); } });
      };
      gauge('digestql_webhook_pending', 'Webhook deliveries waiting to be sent (or retried)', (q) => q.pending);
      gauge('digestql_webhook_oldest_pending_seconds', 'Age of the oldest pending webhook delivery', (q) => q.oldestSeconds);
      gauge('digestql_webhook_batched_items', 'Matched events waiting for the end of their HOURLY or DAILY window', (q) => q.batched);
    }
    if (sources.dbPoolMax !== null) new Gauge({ name: 'digestql_db_pool_max', help: 'Connections the Postgres pool may open', registers }).set(sources.dbPoolMax);
  }

  operation(transport: Transport, operation: string | null | undefined, seconds: number, errors: readonly GraphQLFormattedError[] | undefined): void {
    const op = operation || 'anonymous';
    this.requests.inc({ transport, operation: op, outcome: errors?.length ? 'error' : 'ok' });
    this.duration.observe({ transport, operation: op }, seconds);
    for (const e of errors ?? []) this.error(transport, e);
  }

  /** A WebSocket operation (its duration is the life of a subscription: not timed). */
  count(transport: Transport, operation: string | null | undefined, errors: readonly GraphQLFormattedError[] | undefined): void {
    this.requests.inc({ transport, operation: operation || 'anonymous', outcome: errors?.length ? 'error' : 'ok' });
    for (const e of errors ?? []) this.error(transport, e);
  }

  error(transport: Transport, e: GraphQLFormattedError): void {
    this.errors.inc({ transport, code: String(e.extensions?.code ?? 'UNKNOWN') });
  }

  eventDelivered(n = 1): void {
    this.delivered.inc(n);
  }

  webhookAttempt(outcome: 'succeeded' | 'failed' | 'gone', latencyMs: number): void {
    this.webhookAttempts.inc({ outcome });
    this.webhookLatency.observe(latencyMs / 1000);
  }

  limited(transport: Transport): void {
    this.rateLimited.inc({ transport });
  }

  /** The response cache's counts and size, read at scrape time. */
  watchResponseCache(stats: () => ResponseCacheStats): void {
    const registers = [this.registry];
    const counter = (name: string, help: string, pick: (s: ResponseCacheStats) => number): void => {
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(pick(stats())); } });
    };
    counter('digestql_response_cache_hits_total', 'Read operations answered from the response cache', (s) => s.hits);
    counter('digestql_response_cache_misses_total', 'Cacheable read operations executed (not in the cache)', (s) => s.misses);
    counter('digestql_response_cache_invalidations_total', 'Cache entries removed because an event changed what they read', (s) => s.invalidations);
    counter('digestql_response_cache_evictions_total', 'Cache entries pushed out by the byte bound (RESPONSE_CACHE_MB)', (s) => s.evictions);
    new Gauge({ name: 'digestql_response_cache_bytes', help: 'Bytes held by the response cache', registers, collect() { this.set(stats().bytes); } });
    new Gauge({ name: 'digestql_response_cache_entries', help: 'Responses held by the response cache', registers, collect() { this.set(stats().entries); } });
  }

  /** Counts every HTTP operation with its outcome, once the response is ready. */
  apolloPlugin<T extends object>(): ApolloServerPlugin<T> {
    return {
      requestDidStart: async () => {
        const started = process.hrtime.bigint();
        return {
          willSendResponse: async (rc) => {
            const body = rc.response.body.kind === 'single' ? rc.response.body.singleResult : rc.response.body.initialResult;
            this.operation('http', operationNameOf(rc), Number(process.hrtime.bigint() - started) / 1e9, body.errors);
          },
        };
      },
    };
  }
}
