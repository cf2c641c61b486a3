import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../observability/logger';
import { ProtocolSocket, closeReason } from './socket-send';
import { addTo, hasIn, removeFrom, type Few } from './few';

/**
 * graphql-ws's protocol server (its `makeServer`) over `ws` sockets: what its own `useServer` does
 * (graphql-ws documents `makeServer` for exactly this), with less kept per socket. With 20,000 idle
 * subscribers, `useServer`'s per-socket closures and timers (one cleared, but kept by its closures),
 * a `once` wrapper per listener and its suspended async function per operation (holding the
 * subscribe message's bytes for the operation's life) were a large part of what each subscriber
 * kept (bench/RESULTS.md).
 *
 * Here a socket gets one ProtocolSocket (methods on its prototype), shared listeners (a `ws`
 * socket is their `this`), and a connection_init deadline held only until it is met. The keep-alive
 * is the caller's (socket-send.ts's KeepAlive: one timer for every socket). Protocol behaviour is
 * graphql-ws's own: every message goes to its server as text.
 */
export interface ProtocolServerOptions<E extends { socket: WebSocket }> {
  log: Logger;
  /**
   * graphql-ws's options. `connectionInitWaitTimeout` is enforced here (graphql-ws's timer would
   * be kept for the socket's life): a socket that has not sent `connection_init` within it is
   * closed with 4408 (default 3 s, as graphql-ws).
   */
  graphqlWs: ServerOptions<Record<string, unknown>, E>;
  /** graphql-ws's `extra` for a new socket (its hooks get it as `ctx.extra`). */
  extra(socket: WebSocket, request: IncomingMessage): E;
  /** Where the open sockets are kept (a new set if not given). */
  sockets?: Set<WebSocket>;
  /** A socket closed: before graphql-ws ends its operations. */
  closed(socket: WebSocket, extra: E): void;
}

/** A socket as served: its adapter, with graphql-ws's `extra` for it and graphql-ws's end of it. */
class ServedSocket<E> extends ProtocolSocket {
  extra!: E;
  closed!: (code?: number, reason?: string) => Promise<void>;
  /** The ids of `subscribe` messages graphql-ws is handling. */
  private ids: Few<string> = null;

  /** Takes `id` for a `subscribe`; false when graphql-ws has not finished with an operation of that id. */
  claim(id: string): boolean {
    if (hasIn(this.ids, id)) return false;
    this.ids = addTo(this.ids, id);
    return true;
  }

  release(id: string): void {
    this.ids = removeFrom(this.ids, id);
  }
}

/**
 * The id of a `subscribe` message (graphql-ws checks the rest), else null. Only a text that spells
 * `subscribe`, or may (an escape), is parsed: a client's large pongs are not parsed twice.
 */
function subscribeId(text: string): string | null {
  if (!text.includes('subscribe') && !text.includes('\\u')) return null;
  try {
    const m = JSON.parse(text) as { type?: unknown; id?: unknown } | null;
    return m?.type === 'subscribe' && typeof m.id === 'string' ? m.id : null;
  } catch {
    return null;
  }
}

/** A WebSocket server serving graphql-ws: its open sockets, and how to stop. */
export interface ProtocolServer {
  /** The open sockets (tracked here: `ws`'s own tracking adds a closure and a listener per socket). */
  readonly sockets: ReadonlySet<WebSocket>;
  dispose(): Promise<void>;
}

/** Serves graphql-ws on `wss`, which should be made with `clientTracking: false` (the sockets are tracked here). */
export function serveGraphqlWs<E extends { socket: WebSocket }>(wss: WebSocketServer, options: ProtocolServerOptions<E>): ProtocolServer {
  const { log } = options;
  const sockets = options.sockets ?? new Set<WebSocket>();
  const initWaitMs = options.graphqlWs.connectionInitWaitTimeout ?? 3000;
  const connect = options.graphqlWs.onConnect;
  /** Sockets that have not sent connection_init yet, and their deadline. */
  const initWait = new Map<WebSocket, NodeJS.Timeout>();
  const server = makeServer<Record<string, unknown>, E>({
    ...options.graphqlWs,
    connectionInitWaitTimeout: Infinity,
    onConnect: (ctx) => {
      clearInitWait(ctx.extra.socket);
      return connect?.(ctx);
    },
  });
  const served = new WeakMap<WebSocket, ServedSocket<E>>();

  const clearInitWait = (socket: WebSocket): void => {
    const timer = initWait.get(socket);
    if (!timer) return;
    clearTimeout(timer);
    initWait.delete(socket);
  };
  const closeUninitialised = (socket: WebSocket): void => {
    initWait.delete(socket);
    socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
  };

  const internalError = (socket: WebSocket, err: unknown): void => {
    log.error({ err }, 'a graphql-ws message could not be handled');
    socket.close(CloseCode.InternalServerError, 'Internal server error');
  };

  // Shared by every socket: `this` is the socket.
  function onMessage(this: WebSocket, data: Buffer): void {
    const s = served.get(this);
    if (!s?.received) return;
    const text = String(data);
    // graphql-ws knows operations by id alone, and refuses a `subscribe` whose id is running (4409).
    // But an operation it is still starting or ending (after the client's `complete`) would be
    // confused with one reusing its id: the first runs on unseen, or ends the second with it. An id
    // is in use here until graphql-ws has finished handling its `subscribe`, and is refused as
    // graphql-ws refuses it.
    const id = subscribeId(text);
    if (id !== null && !s.claim(id)) {
      this.close(CloseCode.SubscriberAlreadyExists, closeReason(`Subscriber for ${id} already exists`));
      return;
    }
    // One function for both outcomes (graphql-ws's handler resolves with nothing): a subscription
    // keeps this reaction for as long as it runs.
    const settled = (err?: unknown): void => {
      if (id !== null) s.release(id);
      if (err !== undefined) internalError(s.socket, err);
    };
    s.received(text).then(settled, settled);
  }
  function onError(this: WebSocket, err: Error): void {
    // `ws` has answered a bad frame (too large, invalid UTF-8) with its own close already; this
    // close is then a no-op, as in graphql-ws's adapter.
    log.info({ err: err.message }, 'a WebSocket peer sent what could not be read');
    this.close(CloseCode.InternalServerError, 'Internal server error');
  }
  function onClose(this: WebSocket, code: number, reason: Buffer): void {
    sockets.delete(this);
    clearInitWait(this);
    const s = served.get(this);
    served.delete(this);
    if (!s) return;
    options.closed(this, s.extra);
    s.closed(code, String(reason)).catch((err: unknown) => log.error({ err }, 'a graphql-ws socket could not be closed cleanly'));
  }

  wss.options.handleProtocols = handleProtocols;
  wss.on('error', (err) => {
    log.error({ err }, 'the WebSocket server failed');
    for (const client of sockets) client.close(CloseCode.InternalServerError, 'Internal server error');
  });
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    sockets.add(socket);
    const adapter = new ServedSocket<E>(socket);
    adapter.extra = options.extra(socket, request);
    socket.on('error', onError);
    socket.on('message', onMessage);
    socket.on('close', onClose);
    if (initWaitMs > 0 && Number.isFinite(initWaitMs)) initWait.set(socket, setTimeout(closeUninitialised, initWaitMs, socket).unref());
    served.set(socket, adapter);
    adapter.closed = server.opened(adapter, adapter.extra);
  });

  return {
    sockets,
    dispose: async () => {
      for (const client of sockets) client.close(1001, 'Going away');
      for (const timer of initWait.values()) clearTimeout(timer);
      initWait.clear();
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
