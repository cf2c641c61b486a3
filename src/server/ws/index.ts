// Under 300 lines: the graphql-ws adapter's one configuration (admission through the
// core, slots, context, the size limit, formatting) reads best as one object; socket writes and groups
// are in socket-send.ts and subscription-groups.ts, serving the protocol over `ws` in protocol-server.ts.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { GraphQLError, Kind, getOperationAST, type DocumentNode } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { SubscriptionGroups } from './subscription-groups';
import { KeepAlive, SocketSink, endSubscriptionsOf, type SinkHooks } from './socket-send';
import { serveGraphqlWs } from './protocol-server';
import type { EventHub } from '../../realtime/event-hub';
import type { Auth, GraphQLContext } from '../../graphql/context';
import { ApiError, databaseUnavailable, ErrorCode } from '../../graphql/errors';
import { isDatabaseUnavailable } from '../../graphql/format-error';
import type { OperationCore } from '../../graphql/operation';
import type { Metrics } from '../metrics';
import { subjectOf } from '../../modules/ratelimit/rate-limit';
import { DEFAULT_SUBSCRIPTION_CAPS, OperationSlots, type SubscriptionCaps } from '../operation-slots';
import { responseTooLargeError, type QueryLimits } from '../../graphql/limits';
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
  /** Parse, validation, authentication, admission, context and formatting: the same as over HTTP. */
  core: OperationCore;
  hub: EventHub;
  log: Logger;
  retentionMs: number;
  queueMax: number;
  maxPayloadBytes: number;
  /** How long executing a subscription event retries while the database is unavailable. */
  subscriptionRetryMs: number;
  /** graphql-ws's ping interval (and pong deadline); 0: off. */
  keepAliveMs: number;
  limits: QueryLimits;
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
 * The database cannot serve now (to check a credential, or to charge an operation): 1013 "try
 * again later", which graphql-ws clients retry (4500, graphql-ws's close for a failed hook, is
 * fatal to them). The client resumes its subscriptions with their last cursors.
 */
function closeTryAgainLater(socket: WebSocket): void {
  socket.close(CloseCode.TryAgainLater, 'database unavailable; retry shortly');
}

/**
 * Closes a socket whose subscriptions cannot go on (a slow consumer, the database unavailable),
 * and ends them now: a peer that does not read gets the close frame only behind what it has not
 * read (or `ws` drops it 30 s later), and its log readers and group memberships would run on
 * until then. The client resumes with its last cursor.
 */
function closeAndEnd(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, reason);
  // Not from inside the caller (a group's or the hub's loop, which is mid-way through its members or readers).
  setImmediate(() => endSubscriptionsOf(socket));
}

/** GraphQL over WebSocket (graphql-ws) on the HTTP server's port and path. */
export interface WebSocketEndpoint {
  close(): Promise<void>;
  connections(): number;
  subscriptionGroups(): { groups: number; members: number };
  /** Operations running over every socket (what the subscription caps count). */
  operations(): number;
}

/**
 * What the server keeps per socket: graphql-ws's `extra` for it (its hooks get it as `ctx.extra`).
 * Not the upgrade request: nothing needs it after the connection, so it is not kept (nor its headers).
 */
class Peer {
  /** Who the socket authenticated as, from its connection_init on. */
  auth: Auth | null = null;

  constructor(
    readonly socket: WebSocket,
    readonly ip: string | null,
  ) {}
}

export function attachWebSocket(options: WsOptions): WebSocketEndpoint {
  const { log, core } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes, clientTracking: false });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== options.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  options.server.on('upgrade', onUpgrade);

  const closeSlowConsumer = (socket: WebSocket): void => {
    log.warn({ queueMax: options.queueMax }, 'closing a subscriber that fell behind');
    closeAndEnd(socket, CloseCode.SlowConsumer, 'slow consumer: resume with your last cursor');
  };
  /** The open sockets (kept by protocol-server.ts). */
  const sockets = new Set<WebSocket>();
  // One timer for every socket (socket-send.ts).
  const keepAlive = new KeepAlive(sockets, options.keepAliveMs, (socket) => {
    options.hub.countTooSlow();
    closeSlowConsumer(socket);
  });
  /** What every subscription's sink asks of this adapter (one object for all of them). */
  const sinkHooks: SinkHooks = {
    slowConsumer: closeSlowConsumer,
    unavailable: (socket) => {
      log.warn('closing a subscriber: the database stayed unavailable');
      closeAndEnd(socket, CloseCode.TryAgainLater, 'database unavailable: resume with your last cursor');
    },
    delivered: (n) => options.metrics.eventDelivered(n),
  };

  const { formatResult } = core;

  const groups = new SubscriptionGroups({
    log,
    format: formatResult,
    retryMs: options.subscriptionRetryMs,
    groupContext: (member, onSlowConsumer) =>
      // No socket of its own (so never direct, never "backed up"); slow when the group's reader is.
      core.context(
        { auth: member.auth, ip: null },
        { ...member.realtime, sink: { backedUp: () => false, slowConsumer: onSlowConsumer, unavailable: () => member.realtime.sink?.unavailable() } },
      ),
  });

  const slots = new OperationSlots<WebSocket>(options.subscriptionCaps ?? DEFAULT_SUBSCRIPTION_CAPS);

  /** The core's admission (read scope, unstorable text, cost limit, rate-limit charge): the execution arguments, or why not. */
  const admit = async (socket: WebSocket, document: DocumentNode, peer: Peer, auth: Auth, payload: SubscribePayload): Promise<ExecutionArgs | GraphQLError[]> => {
    let admission: Awaited<ReturnType<typeof core.admit>>;
    try {
      admission = await core.admit({ document, operationName: payload.operationName, variables: payload.variables, auth, ip: peer.ip });
    } catch (err) {
      // Thrown on, graphql-ws would close with 4500, which its clients take as fatal.
      if (!isDatabaseUnavailable(err)) throw err;
      closeTryAgainLater(socket);
      // Not sent (the socket is closing), but counted as this operation's outcome.
      return [databaseUnavailable()];
    }
    if (admission.admitted) return { schema: core.schema, document, operationName: payload.operationName, variableValues: payload.variables };
    if (admission.rate && !admission.rate.granted) options.metrics.limited('ws');
    return [admission.error];
  };

  const served = serveGraphqlWs<Peer>(wss, {
    log,
    sockets,
    extra: (socket, request) => {
      keepAlive.watch(socket);
      return new Peer(socket, request.socket.remoteAddress ?? null);
    },
    // The socket's slots go back when it closes, whether or not its operations ever end.
    closed: (socket) => {
      keepAlive.forget(socket);
      slots.releaseAll(socket);
      endSubscriptionsOf(socket);
    },
    graphqlWs: {
      schema: core.schema,
      onConnect: async (ctx) => {
        const authn = await core.authenticate(authorizationOf(ctx.connectionParams));
        if ('error' in authn) {
          // The credential could not be checked.
          if (authn.error.extensions.code === ErrorCode.DATABASE_UNAVAILABLE) closeTryAgainLater(ctx.extra.socket);
          // false closes the socket with 4403 Forbidden (or nothing more, when it is closing already).
          return false;
        }
        ctx.extra.auth = authn.auth;
        return true;
      },
      // The same parse (token limit), validation (depth, aliases, directives) and cost limit as
      // over HTTP; documents are parsed once per distinct text.
      // And the same rate limit: each operation (a subscription when it starts) takes its cost.
      // Each operation holds one of its socket's and its client's slots (operation-slots.ts), taken
      // before anything is awaited and given back when it is refused, completes or its socket closes.
      onSubscribe: async (ctx, id, payload) => {
        const peer = ctx.extra;
        // Closing (a slow consumer, the database unavailable): nothing more starts on it.
        if (peer.socket.readyState !== peer.socket.OPEN) return [new ApiError(ErrorCode.BAD_REQUEST, 'the connection is closing: reconnect and resume with your last cursor')];
        const prepared = core.prepare(payload.query);
        if ('errors' in prepared) return [...prepared.errors];
        // graphql-ws keeps the message for as long as the operation runs: its text is kept as the
        // prepared copy, once for all the subscribers that send it, not once each.
        (payload as { query: string }).query = prepared.text;
        // graphql-ws would answer an operation it cannot pick out itself, without ending it (so
        // without onComplete: its slot would never come back). Refused here, before it takes one.
        if (!getOperationAST(prepared.document, payload.operationName)) {
          return [new ApiError(ErrorCode.BAD_REQUEST, payload.operationName ? `no operation named ${JSON.stringify(payload.operationName)} in the document` : 'the document holds several operations: give operationName')];
        }
        // Acknowledged (graphql-ws refuses a subscribe before that), so authenticated.
        const auth = peer.auth!;
        const full = slots.take(peer.socket, subjectOf(auth, peer.ip).subject, id);
        if (full) return [full];
        try {
          const admitted = await admit(peer.socket, prepared.document, peer, auth, payload);
          if (Array.isArray(admitted)) slots.release(peer.socket, id);
          return admitted;
        } catch (err) {
          slots.release(peer.socket, id);
          throw err;
        }
      },
      onComplete: (ctx, id) => slots.release(ctx.extra.socket, id),
      context: (ctx, id): GraphQLContext =>
        core.context(
          { auth: ctx.extra.auth!, ip: ctx.extra.ip },
          { hub: options.hub, retentionMs: options.retentionMs, queueMax: options.queueMax, sink: new SocketSink(ctx.extra.socket, id, sinkHooks) },
        ),
      subscribe: (args) => groups.subscribe(args),
      // `error` messages: validation errors (with the code Apollo gives them over HTTP), or a
      // subscription stream that failed (its cause goes through the formatter and is masked).
      onError: (_ctx, _id, payload, errors) => {
        const formatted = core.formatRefusals(errors, randomUUID());
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
  });

  return {
    connections: () => served.sockets.size,
    operations: () => slots.count(),
    subscriptionGroups: () => groups.stats(),
    close: async () => {
      options.server.off('upgrade', onUpgrade);
      keepAlive.stop();
      for (const client of served.sockets) client.close(CloseCode.GoingAway, 'server shutting down');
      await served.dispose();
    },
  };
}
