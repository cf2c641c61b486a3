import type { WebSocket } from 'ws';
import type { SubscriptionSink } from '../../graphql/context';

/**
 * How subscription messages leave a socket: a group member's burst is written directly (below),
 * everything else through graphql-ws, whose sends are wrapped once per socket (prepareSocketSend).
 */

/** Below this much unsent data a send counts as done at once (see prepareSocketSend). */
export const SEND_HIGH_WATER_BYTES = 64 * 1024;

/**
 * Wraps `socket.send` once per socket, before graphql-ws uses it:
 * - the messages of a burst leave together (`cork`, below);
 * - graphql-ws waits for each send's callback before the next message of a subscription, and
 *   `ws` calls it only once the bytes reached the kernel: one write syscall per message, where a
 *   plain broadcast hands a socket its whole burst at once and Node writes it in one `writev`.
 *   While the socket holds less than SEND_HIGH_WATER_BYTES unsent, the callback is called at once,
 *   so a burst reaches the socket in one go; above it, the real callback applies and a consumer
 *   that does not read holds up only its own subscriptions (the slow-consumer rules take over).
 */
export function prepareSocketSend(socket: WebSocket, highWaterBytes = SEND_HIGH_WATER_BYTES): void {
  const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
  plainSend.set(socket, send);
  socket.send = ((data: unknown, ...rest: unknown[]) => {
    const cb = typeof rest[rest.length - 1] === 'function' ? (rest.pop() as (err?: Error) => void) : null;
    cork(socket);
    if (!cb || socket.bufferedAmount >= highWaterBytes) return send(data, ...rest, ...(cb ? [cb] : []));
    send(data, ...rest, noop);
    process.nextTick(cb);
  }) as WebSocket['send'];
}

const noop = (): void => undefined;

const plainSend = new WeakMap<WebSocket, (data: unknown, ...rest: unknown[]) => void>();

/**
 * Unsent bytes past which a group member's socket counts as backed up after a direct write: the
 * member then leaves its group and reads on from the log at its own pace (see subscription-groups).
 */
export const DIRECT_BACKLOG_BYTES = 256 * 1024;

/** Sends already-serialised results as `next` messages of one subscription. */
export interface DirectSender {
  /** Writes one `next` message per result, in one socket write; true when the socket is now backed up. */
  send(jsons: readonly string[]): boolean;
}

/**
 * A graphql-ws subscriber's end of its stream: the transport-free SubscriptionSink the realtime
 * side sees, plus the direct write path a subscription group uses for it (`direct`).
 */
export class SocketSink implements SubscriptionSink {
  constructor(
    private readonly socket: WebSocket,
    readonly direct: DirectSender,
    private readonly onSlow: () => void,
    private readonly onUnavailable: () => void,
  ) {}

  backedUp(): boolean {
    return this.socket.bufferedAmount > 0;
  }

  slowConsumer(): void {
    this.onSlow();
  }

  unavailable(): void {
    this.onUnavailable();
  }
}

/**
 * The fast path for a subscription group's members: the group's serialised results go out as
 * graphql-ws `next` messages written here, byte for byte what graphql-ws writes
 * (`{"id":…,"type":"next","payload":…}`), without graphql-ws's per-message promise chain. A burst
 * leaves in one `writev` (cork/uncork around it), so what is unsent afterwards is what the
 * peer's connection did not take. graphql-ws still owns the subscription: it completes it, and
 * its `complete` from the client ends it (the group stops writing at once).
 */
export function directSender(socket: WebSocket, id: string, onSent: (n: number) => void, backlogBytes = DIRECT_BACKLOG_BYTES): DirectSender {
  const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  return {
    send(jsons) {
      // Closing: graphql-ws is about to end the subscription; nothing more goes out.
      if (socket.readyState !== socket.OPEN) return false;
      const send = plainSend.get(socket) ?? (socket.send.bind(socket) as (data: unknown) => void);
      const raw = (socket as unknown as { _socket?: Corkable })._socket;
      raw?.cork();
      try {
        for (const json of jsons) send(prefix + json + '}');
      } finally {
        raw?.uncork();
      }
      onSent(jsons.length);
      return socket.bufferedAmount > backlogBytes;
    },
  };
}

type Corkable = { cork(): void; uncork(): void };

/**
 * graphql-ws's keep-alive (ping every `intervalMs`, a pong due within as long again), with one
 * difference: a peer that has not answered while data to it is still unsent has not gone away, it
 * has stopped reading (the ping waits behind that data). It is a slow consumer (`onSlow`: closed
 * with 4503 as documented, and counted), not a dead peer dropped with 1006. Only a peer that took
 * everything and still does not answer is terminated, as graphql-ws does.
 */
export function keepAlive(socket: WebSocket, intervalMs: number, onSlow: () => void): void {
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) return;
  let pongWait: NodeJS.Timeout | null = null;
  const ping = setInterval(() => {
    if (socket.readyState !== socket.OPEN || pongWait) return;
    pongWait = setTimeout(() => {
      pongWait = null;
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > 0) onSlow();
      else socket.terminate();
    }, intervalMs);
    pongWait.unref();
    socket.ping();
  }, intervalMs);
  // A socket's keep-alive never holds the process open (graphql-ws's dispose closes the sockets).
  ping.unref();
  socket.on('pong', () => {
    if (pongWait) clearTimeout(pongWait);
    pongWait = null;
  });
  socket.once('close', () => {
    clearInterval(ping);
    if (pongWait) clearTimeout(pongWait);
  });
}
/** Sockets written in this turn of the event loop, and whether their writes are being held. */
const turn = new WeakMap<WebSocket, { corked: boolean }>();

/**
 * The first message of a turn leaves at once (a lone event is not delayed); from the second on,
 * writes are held until the next turn, so the rest of a burst leaves in one `writev` instead of
 * one syscall per message.
 */
function cork(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: Corkable })._socket;
  if (!raw) return;
  const state = turn.get(socket);
  if (!state) {
    const fresh = { corked: false };
    turn.set(socket, fresh);
    setImmediate(() => {
      turn.delete(socket);
      if (fresh.corked) raw.uncork();
    });
    return;
  }
  if (state.corked) return;
  state.corked = true;
  raw.cork();
}
