import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { GraphQLError, Kind, getOperationAST, type DocumentNode } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Db } from '../db/client';
import { authenticate, requireScope, type AuthConfig } from '../modules/auth/auth.service';
import { createLoaders, type Loaders } from '../modules/loading/loaders';
import { SubscriptionGroups } from '../realtime/subscription-groups';
import { directSender, keepAlive, prepareSocketSend } from '../realtime/socket-send';
import type { EventHub } from '../realtime/event-hub';
import type { Auth, GraphQLContext } from './context';
import { ErrorCode } from './errors';
import { formatError, isDatabaseUnavailable } from './format-error';
import { runWithRequestId } from './request-scope';
import type { Metrics } from './metrics';
import type { SsrfPolicy } from '../modules/webhooks/ssrf';
import { charge, rateLimitedError, type RateLimitConfig } from '../modules/ratelimit/rate-limit';
import { DocumentCache, costError, operationCost, type QueryLimits } from './limits';
import type { Logger } from './logger';

/** Close codes of our own, beside graphql-ws's 44xx protocol codes. Documented in the README. */
export const CloseCode = {
  /** The subscriber fell more than the queue limit behind; reconnect and resume with the last cursor. */
  SlowConsumer: 4503,
  /** Normal close on server shutdown (RFC 6455 "going away"). */
  GoingAway: 1001,
  /**
   * The database could not be reached: to check the credential, or to execute an event for a
   * subscription (after retrying for SUBSCRIPTION_RETRY_MS). Reconnect shortly and resume with
   * the last cursor.
   */
  TryAgainLater: 1013,
} as const;

export interface WsOptions {
  server: Server;
  path: string;
  schema: GraphQLSchema;
  db: Db;
  hub: EventHub;
  log: Logger;
  auth: AuthConfig;
  rateLimits: RateLimitConfig | null;
  webhookPolicy: SsrfPolicy;
  maxPageSize: number;
  retentionMs: number;
  queueMax: number;
  maxPayloadBytes: number;
  /** How long executing a subscription event retries while the database is unavailable. */
  subscriptionRetryMs: number;
  /** graphql-ws's ping interval (and pong deadline); 0: off. */
  keepAliveMs: number;
  limits: QueryLimits;
  hideSuggestions: boolean;
  metrics: Metrics;
}

/** The token a client sends in connectionParams: `{ authorization: "Bearer …" }` or `{ token: "…" }`. */
function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  const value = params.authorization ?? params.Authorization;
  if (typeof value === 'string') return value;
  return typeof params.token === 'string' ? `Bearer ${params.token}` : undefined;
}

const operationKinds = new WeakMap<DocumentNode, boolean>();
/** Whether a (cached, shared) document is a subscription: its `next` messages are events. */
function isSubscription(document: DocumentNode): boolean {
  let kind = operationKinds.get(document);
  if (kind === undefined) operationKinds.set(document, (kind = document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'subscription')));
  return kind;
}

/**
 * graphql-js's own request errors carry no code on this transport (Apollo adds them over HTTP):
 * an error outside field execution (no path) caused by nothing but graphql-js itself is a
 * variable that failed coercion, the client's to fix. Everything else keeps its own treatment:
 * errors with a path (a resolver's, or a null for a non-null field) are masked unless coded.
 */
function requestErrorCode(e: GraphQLError): GraphQLError {
  const cause = e.originalError;
  if (e.path || e.extensions?.code || (cause && !(cause instanceof GraphQLError))) return e;
  return new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: ErrorCode.BAD_USER_INPUT } });
}

/** GraphQL over WebSocket (graphql-ws) on the HTTP server's port and path. */
export interface WebSocketEndpoint {
  close(): Promise<void>;
  connections(): number;
  subscriptionGroups(): { groups: number; members: number };
}

export function attachWebSocket(options: WsOptions): WebSocketEndpoint {
  const { log } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== options.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      prepareSocketSend(ws);
      keepAlive(ws, options.keepAliveMs, () => {
        options.hub.countTooSlow();
        closeSlowConsumer(ws);
      });
      wss.emit('connection', ws, req);
    });
  };
  options.server.on('upgrade', onUpgrade);

  const closeSlowConsumer = (socket: WebSocket): void => {
    log.warn({ queueMax: options.queueMax }, 'closing a subscriber that fell behind');
    socket.close(CloseCode.SlowConsumer, 'slow consumer: resume with your last cursor');
  };

  const peers = new WeakMap<WebSocket, { auth: Auth; ip: string | null }>();
  const format = formatError(log);
  // Masked errors carry the operation's request id, as over HTTP (and the log line has it too).
  const formatResult = (result: ExecutionResult, requestId: string): ExecutionResult => (result.errors ? runWithRequestId(requestId, () => formatErrors(result)) : result);
  const formatErrors = (result: ExecutionResult): ExecutionResult => {
    if (!result.errors) return result;
    const errors = result.errors.map(requestErrorCode).map((e) => format(e.toJSON() as GraphQLFormattedError, e));
    return { ...result, errors: errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions })) };
  };

  const groups = new SubscriptionGroups({
    log,
    format: formatResult,
    retryMs: options.subscriptionRetryMs,
    groupContext: (member, onSlowConsumer) => ({
      db: member.db,
      loaders: createLoaders(options.db),
      limits: member.limits,
      requestId: randomUUID(),
      auth: member.auth,
      ip: null,
      webhookPolicy: options.webhookPolicy,
      realtime: { ...member.realtime, onSlowConsumer, isBackedUp: () => false, direct: undefined },
    }),
  });

  const documents = new DocumentCache(options.schema, options.limits, { hideSuggestions: options.hideSuggestions });

  const disposable = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema: options.schema,
      onConnect: async (ctx) => {
        let auth: Awaited<ReturnType<typeof authenticate>>;
        try {
          auth = await authenticate(authorizationOf(ctx.connectionParams), options.auth);
        } catch (err) {
          if (!isDatabaseUnavailable(err)) throw err;
          // 1013 "try again later": the credential could not be checked.
          ctx.extra.socket.close(CloseCode.TryAgainLater, 'database unavailable; retry shortly');
          return false;
        }
        // false closes the socket with 4403 Forbidden.
        if (auth === 'invalid') return false;
        peers.set(ctx.extra.socket, { auth, ip: ctx.extra.request.socket.remoteAddress ?? null });
        // Nothing needs the upgrade request after this: do not keep it (and its headers) per socket.
        (ctx.extra as { request?: IncomingMessage }).request = undefined;
        return true;
      },
      // The same parse (token limit), validation (depth, aliases, directives) and cost limit as
      // over HTTP; documents are parsed once per distinct text.
      // And the same rate limit: each operation (a subscription when it starts) takes its cost.
      onSubscribe: async (ctx, _id, payload) => {
        const prepared = documents.prepare(payload.query);
        if ('errors' in prepared) return [...prepared.errors];
        const peer = peers.get(ctx.extra.socket)!;
        const operation = getOperationAST(prepared.document, payload.operationName);
        if (operation && operation.operation !== 'mutation') {
          try {
            requireScope(peer.auth, 'read', 'reading');
          } catch (err) {
            return [err as GraphQLError];
          }
        }
        const cost = operationCost(options.schema, prepared.document, payload.operationName, payload.variables);
        if (cost > options.limits.maxCost) return [costError(cost, options.limits.maxCost)];
        const decision = await charge(options.db, options.rateLimits, peer.auth, peer.ip, cost);
        if (decision && !decision.granted) {
          options.metrics.limited('ws');
          return [rateLimitedError(decision, Math.max(1, cost))];
        }
        return { schema: options.schema, document: prepared.document, operationName: payload.operationName, variableValues: payload.variables };
      },
      context: (ctx, id): GraphQLContext => {
        const socket = ctx.extra.socket;
        // Loaders are made on first use: a subscription in a group never executes with its own context.
        let loaders: Loaders | null = null;
        return {
          db: options.db,
          get loaders() {
            return (loaders ??= createLoaders(options.db));
          },
          set loaders(value: Loaders) {
            loaders = value;
          },
          limits: { maxPageSize: options.maxPageSize },
          requestId: randomUUID(),
          auth: peers.get(socket)!.auth,
          ip: peers.get(socket)!.ip,
          webhookPolicy: options.webhookPolicy,
          realtime: {
            hub: options.hub,
            retentionMs: options.retentionMs,
            queueMax: options.queueMax,
            onSlowConsumer: () => closeSlowConsumer(socket),
            onUnavailable: () => {
              log.warn('closing a subscriber: the database stayed unavailable');
              socket.close(CloseCode.TryAgainLater, 'database unavailable: resume with your last cursor');
            },
            isBackedUp: () => socket.bufferedAmount > 0,
            direct: directSender(socket, id, (n) => options.metrics.eventDelivered(n)),
          },
        };
      },
      subscribe: (args) => groups.subscribe(args),
      // `error` messages: validation errors (with the code Apollo gives them over HTTP), or a
      // subscription stream that failed (its cause goes through the formatter and is masked).
      onError: (_ctx, _id, payload, errors) => {
        const formatted = runWithRequestId(randomUUID(), () => errors.map((e) =>
          e.originalError || e.extensions?.code
            ? format(e.toJSON() as GraphQLFormattedError, e)
            : { ...e.toJSON(), extensions: { ...e.extensions, code: ErrorCode.GRAPHQL_VALIDATION_FAILED } },
        ));
        options.metrics.count('ws', payload.operationName, formatted);
        return formatted;
      },
      onOperation: (_ctx, _id, _payload, args) => {
        options.metrics.count('ws', getOperationAST(args.document, args.operationName)?.name?.value, undefined);
      },
      // Every result graphql-ws sends (queries, lone subscriptions' events) passes the one error
      // formatter; a group formats its results itself and writes them directly (socket-send.ts).
      onNext: (_ctx, _id, _payload, args, result) => {
        if (isSubscription(args.document)) options.metrics.eventDelivered();
        return formatResult(result as ExecutionResult, (args.contextValue as GraphQLContext).requestId);
      },
    },
    wss,
    // graphql-ws's own ping is off: ours (keepAlive, socket-send.ts) tells a slow consumer from a dead peer.
    Infinity,
  );

  return {
    connections: () => wss.clients.size,
    subscriptionGroups: () => groups.stats(),
    close: async () => {
      options.server.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.close(CloseCode.GoingAway, 'server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
