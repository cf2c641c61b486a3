import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs, ExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { GraphQLError, Kind, getOperationAST, type DocumentNode } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Db } from '../../db/client';
import { authenticate, requireScope, type AuthConfig } from '../../modules/auth/auth.service';
import { createLoaders, type Loaders } from '../../modules/loading/loaders';
import { SubscriptionGroups } from './subscription-groups';
import { SocketSink, directSender, keepAlive, prepareSocketSend } from './socket-send';
import type { EventHub } from '../../realtime/event-hub';
import type { Auth, GraphQLContext } from '../../graphql/context';
import { ApiError, ErrorCode } from '../../graphql/errors';
import { formatError, isDatabaseUnavailable } from '../../graphql/format-error';
import { runWithRequestId } from '../../graphql/request-scope';
import type { Metrics } from '../metrics';
import type { SsrfPolicy } from '../../modules/webhooks/ssrf';
import { charge, rateLimitedError, subjectOf, type RateLimitConfig } from '../../modules/ratelimit/rate-limit';
import { DEFAULT_SUBSCRIPTION_CAPS, OperationSlots, type SubscriptionCaps } from '../operation-slots';
import { unstorableTextError } from '../../graphql/unstorable-text';
import { DocumentCache, costError, operationCost, responseTooLargeError, type QueryLimits } from '../../graphql/limits';
import type { Logger } from '../../observability/logger';

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
  /** Whether `__schema` and `__type` may be queried (off in production unless INTROSPECTION=true). */
  introspection: boolean;
  /** Operations at once per socket and per client (key or anonymous IP). */
  subscriptionCaps?: SubscriptionCaps;
  metrics: Metrics;
}

/**
 * The token a client sends in connectionParams: `{ authorization: "Bearer …" }` or `{ token: "…" }`.
 * `'invalid'` for one that is there but not a string (a number, an array): a bad credential, not anonymous.
 */
function authorizationOf(params: Record<string, unknown> | undefined): string | undefined | 'invalid' {
  if (!params) return undefined;
  const value = params.authorization ?? params.Authorization;
  if (typeof value === 'string') return value;
  if (value != null) return 'invalid';
  if (typeof params.token === 'string') return `Bearer ${params.token}`;
  return params.token != null ? 'invalid' : undefined;
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

/**
 * The database cannot serve now (to check a credential, or to charge an operation): 1013 "try
 * again later", which graphql-ws clients retry (4500, graphql-ws's close for a failed hook, is
 * fatal to them). The client resumes its subscriptions with their last cursors.
 */
function closeTryAgainLater(socket: WebSocket): void {
  socket.close(CloseCode.TryAgainLater, 'database unavailable; retry shortly');
}

/** GraphQL over WebSocket (graphql-ws) on the HTTP server's port and path. */
export interface WebSocketEndpoint {
  close(): Promise<void>;
  connections(): number;
  subscriptionGroups(): { groups: number; members: number };
  /** Operations running over every socket (what the subscription caps count). */
  operations(): number;
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
  const format = formatError(log, { hideSuggestions: options.hideSuggestions });
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
      // No socket of its own (so never direct, never "backed up"); slow when the group's reader is.
      realtime: {
        ...member.realtime,
        sink: { backedUp: () => false, slowConsumer: onSlowConsumer, unavailable: () => member.realtime.sink?.unavailable() },
      },
    }),
  });

  const slots = new OperationSlots<WebSocket>(options.subscriptionCaps ?? DEFAULT_SUBSCRIPTION_CAPS);
  const documents = new DocumentCache(options.schema, options.limits, { introspection: options.introspection });

  /** Read scope, cost limit and rate-limit charge, as over HTTP: the execution arguments, or why not. */
  const admit = async (socket: WebSocket, document: DocumentNode, peer: { auth: Auth; ip: string | null }, payload: SubscribePayload): Promise<ExecutionArgs | GraphQLError[]> => {
    const operation = getOperationAST(document, payload.operationName);
    if (operation && operation.operation !== 'mutation') {
      try {
        requireScope(peer.auth, 'read', 'reading');
      } catch (err) {
        return [err as GraphQLError];
      }
    }
    const unstorable = unstorableTextError(document, payload.operationName, payload.variables);
    if (unstorable) return [unstorable];
    const cost = operationCost(options.schema, document, payload.operationName, payload.variables, options.maxPageSize);
    if (cost > options.limits.maxCost) return [costError(cost, options.limits.maxCost)];
    let decision: Awaited<ReturnType<typeof charge>>;
    try {
      decision = await charge(options.db, options.rateLimits, peer.auth, peer.ip, cost);
    } catch (err) {
      // Thrown on, graphql-ws would close with 4500, which its clients take as fatal.
      if (!isDatabaseUnavailable(err)) throw err;
      closeTryAgainLater(socket);
      // Not sent (the socket is closing), but counted as this operation's outcome.
      return [new ApiError(ErrorCode.DATABASE_UNAVAILABLE, 'the database is unavailable or overloaded; retry shortly')];
    }
    if (decision && !decision.granted) {
      options.metrics.limited('ws');
      return [rateLimitedError(decision, Math.max(1, cost))];
    }
    return { schema: options.schema, document, operationName: payload.operationName, variableValues: payload.variables };
  };

  const disposable = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema: options.schema,
      onConnect: async (ctx) => {
        let auth: Awaited<ReturnType<typeof authenticate>>;
        try {
          const given = authorizationOf(ctx.connectionParams);
          auth = given === 'invalid' ? 'invalid' : await authenticate(given, options.auth);
        } catch (err) {
          if (!isDatabaseUnavailable(err)) throw err;
          // The credential could not be checked.
          closeTryAgainLater(ctx.extra.socket);
          return false;
        }
        // false closes the socket with 4403 Forbidden.
        if (auth === 'invalid') return false;
        peers.set(ctx.extra.socket, { auth, ip: ctx.extra.request.socket.remoteAddress ?? null });
        // The socket's slots go back when it closes, whether or not its operations ever end.
        const socket = ctx.extra.socket;
        socket.once('close', () => slots.releaseAll(socket));
        // Nothing needs the upgrade request after this: do not keep it (and its headers) per socket.
        (ctx.extra as { request?: IncomingMessage }).request = undefined;
        return true;
      },
      // The same parse (token limit), validation (depth, aliases, directives) and cost limit as
      // over HTTP; documents are parsed once per distinct text.
      // And the same rate limit: each operation (a subscription when it starts) takes its cost.
      // Each operation holds one of its socket's and its client's slots (operation-slots.ts), taken
      // before anything is awaited and given back when it is refused, completes or its socket closes.
      onSubscribe: async (ctx, id, payload) => {
        const prepared = documents.prepare(payload.query);
        if ('errors' in prepared) return [...prepared.errors];
        const peer = peers.get(ctx.extra.socket)!;
        const full = slots.take(ctx.extra.socket, subjectOf(peer.auth, peer.ip).subject, id);
        if (full) return [full];
        try {
          const admitted = await admit(ctx.extra.socket, prepared.document, peer, payload);
          if (Array.isArray(admitted)) slots.release(ctx.extra.socket, id);
          return admitted;
        } catch (err) {
          slots.release(ctx.extra.socket, id);
          throw err;
        }
      },
      onComplete: (ctx, id) => slots.release(ctx.extra.socket, id),
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
            sink: new SocketSink(
              socket,
              directSender(socket, id, (n) => options.metrics.eventDelivered(n)),
              () => closeSlowConsumer(socket),
              () => {
                log.warn('closing a subscriber: the database stayed unavailable');
                socket.close(CloseCode.TryAgainLater, 'database unavailable: resume with your last cursor');
              },
            ),
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
      // A query's or mutation's result over the size limit is replaced by the error that says so;
      // a subscription's events are bounded by its cost (one item, one report, each at most its caps).
      onNext: (_ctx, _id, _payload, args, result) => {
        const formatted = formatResult(result as ExecutionResult, (args.contextValue as GraphQLContext).requestId);
        if (isSubscription(args.document)) {
          options.metrics.eventDelivered();
          return formatted;
        }
        const size = Buffer.byteLength(JSON.stringify(formatted));
        if (size <= options.limits.maxResponseBytes) return formatted;
        log.warn({ size, maxResponseBytes: options.limits.maxResponseBytes }, 'response over the size limit refused');
        return { errors: [responseTooLargeError(size, options.limits.maxResponseBytes)] };
      },
    },
    wss,
    // graphql-ws's own ping is off: ours (keepAlive, socket-send.ts) tells a slow consumer from a dead peer.
    Infinity,
  );

  return {
    connections: () => wss.clients.size,
    operations: () => slots.count(),
    subscriptionGroups: () => groups.stats(),
    close: async () => {
      options.server.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.close(CloseCode.GoingAway, 'server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
