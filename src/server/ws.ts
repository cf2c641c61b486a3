import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Db } from '../db/client';
import { authenticate } from '../modules/auth/auth.service';
import { createLoaders } from '../modules/loading/loaders';
import type { EventHub } from '../realtime/event-hub';
import type { Auth, GraphQLContext } from './context';
import { formatError } from './format-error';
import type { Logger } from './logger';

/** Close codes of our own, beside graphql-ws's 44xx protocol codes. Documented in the README. */
export const CloseCode = {
  /** The subscriber fell more than the queue limit behind; reconnect and resume with the last cursor. */
  SlowConsumer: 4503,
  /** Normal close on server shutdown (RFC 6455 "going away"). */
  GoingAway: 1001,
} as const;

export interface WsOptions {
  server: Server;
  path: string;
  schema: GraphQLSchema;
  db: Db;
  hub: EventHub;
  log: Logger;
  publishToken: string | undefined;
  maxPageSize: number;
  retentionMs: number;
  queueMax: number;
  maxPayloadBytes: number;
}

/** The token a client sends in connectionParams: `{ authorization: "Bearer …" }` or `{ token: "…" }`. */
function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  const value = params.authorization ?? params.Authorization;
  if (typeof value === 'string') return value;
  return typeof params.token === 'string' ? `Bearer ${params.token}` : undefined;
}

/** GraphQL over WebSocket (graphql-ws) on the HTTP server's port and path. */
export function attachWebSocket(options: WsOptions): { close(): Promise<void>; connections(): number } {
  const { log } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== options.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  options.server.on('upgrade', onUpgrade);

  const auths = new WeakMap<WebSocket, Auth>();
  const format = formatError(log);
  const formatResult = (result: ExecutionResult): ExecutionResult => {
    if (!result.errors) return result;
    const errors = result.errors.map((e) => format(e.toJSON() as GraphQLFormattedError, e));
    return { ...result, errors: errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions })) };
  };

  const disposable = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema: options.schema,
      onConnect: (ctx) => {
        const auth = authenticate(authorizationOf(ctx.connectionParams), options.publishToken);
        // false closes the socket with 4403 Forbidden.
        if (auth === 'invalid') return false;
        auths.set(ctx.extra.socket, auth);
        return true;
      },
      context: (ctx): GraphQLContext => {
        const socket = ctx.extra.socket;
        return {
          db: options.db,
          loaders: createLoaders(options.db),
          limits: { maxPageSize: options.maxPageSize },
          requestId: randomUUID(),
          auth: auths.get(socket)!,
          realtime: {
            hub: options.hub,
            retentionMs: options.retentionMs,
            queueMax: options.queueMax,
            onSlowConsumer: () => {
              log.warn({ queueMax: options.queueMax }, 'closing a subscriber that fell behind');
              socket.close(CloseCode.SlowConsumer, 'slow consumer: resume with your last cursor');
            },
            isBackedUp: () => socket.bufferedAmount > 0,
          },
        };
      },
      // Every result on this transport (queries and each subscription event) passes the one error formatter.
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result as ExecutionResult),
    },
    wss,
  );

  return {
    connections: () => wss.clients.size,
    close: async () => {
      options.server.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.close(CloseCode.GoingAway, 'server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
