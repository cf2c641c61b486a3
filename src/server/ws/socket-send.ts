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

/**
 * A result as a group member's `next` message ends: the serialised result and the message's
 * closing brace, UTF-8 encoded once for every member (what differs per member, the id, comes
 * before it).
 */
export function encodeResult(json: string): Buffer {
  return Buffer.from(json + '}');
}

/** Sends already-encoded results (`encodeResult`) as `next` messages of one subscription. */
export interface DirectSender {
  /** Writes one `next` message per result, in one socket write; true when the socket is now backed up. */
  send(results: readonly Buffer[]): boolean;
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

  /** Calls `listener` once when the socket closes (at once if it has); returns the unsubscribe. */
  onClose(listener: () => void): () => void {
    return onSocketClose(this.socket, listener);
  }
}

/** Per socket, what to call when it closes: one `close` listener per socket, whatever the number of operations. */
const closeListeners = new WeakMap<WebSocket, Set<() => void>>();

function onSocketClose(socket: WebSocket, listener: () => void): () => void {
  if (socket.readyState === socket.CLOSED) {
    listener();
    return () => undefined;
  }
  let listeners = closeListeners.get(socket);
  if (!listeners) {
    const set = (listeners = new Set());
    closeListeners.set(socket, set);
    socket.once('close', () => {
      closeListeners.delete(socket);
      for (const l of set) l();
    });
  }
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/**
 * A server's text frame header (FIN, opcode 1, no mask: RFC 6455 §5.2) for `n` bytes of payload,
 * written at `at`; returns where the payload starts.
 */
function writeTextFrameHeader(out: Buffer, at: number, n: number): number {
  out[at] = 0x81;
  if (n < 126) {
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 65536) {
    out[at + 1] = 126;
    out.writeUInt16BE(n, at + 2);
    return at + 4;
  }
  out[at + 1] = 127;
  out.writeUInt32BE(Math.floor(n / 2 ** 32), at + 2);
  out.writeUInt32BE(n >>> 0, at + 6);
  return at + 10;
}

const headerLength = (n: number): number => (n < 126 ? 2 : n < 65536 ? 4 : 10);

/** `prefix + result` for each result, each framed as a WebSocket text message, in one buffer. */
export function textFrames(prefix: Buffer, results: readonly Buffer[]): Buffer {
  let total = 0;
  for (const r of results) total += headerLength(prefix.length + r.length) + prefix.length + r.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const r of results) {
    at = writeTextFrameHeader(out, at, prefix.length + r.length);
    at += prefix.copy(out, at);
    at += r.copy(out, at);
  }
  return out;
}

interface WsInternals {
  _socket?: { write?: (chunk: Buffer) => boolean };
  _sender?: { _queue?: unknown[]; _state?: number };
}

/**
 * The socket's TCP stream when frames may be written to it directly: `ws` writes its own frames
 * to it synchronously (no extension negotiated, so nothing is compressed, and its sender holds
 * nothing queued), so a frame written there leaves in order with graphql-ws's. Null otherwise
 * (the frames then go through `ws`). Checked on every burst: it reads `ws` internals, and a
 * `ws` that no longer has them falls back rather than breaks.
 */
function rawStream(socket: WebSocket): { write(chunk: Buffer): boolean } | null {
  if (socket.extensions !== '') return null;
  const { _socket: raw, _sender: sender } = socket as unknown as WsInternals;
  if (typeof raw?.write !== 'function' || sender?._state !== 0 || sender._queue?.length !== 0) return null;
  return raw as { write(chunk: Buffer): boolean };
}

/**
 * The fast path for a subscription group's members: the group's encoded results go out as
 * graphql-ws `next` messages written here, byte for byte what graphql-ws writes
 * (`{"id":…,"type":"next","payload":…}` in a text frame), without graphql-ws's per-message
 * promise chain and without `ws`'s per-message framing: a member's burst is framed into one
 * buffer (the result bytes, encoded once per group, copied after the member's own prefix) and
 * leaves in one write, so what is unsent afterwards is what the peer's connection did not take.
 * graphql-ws still owns the subscription: it completes it, and its `complete` from the client
 * ends it (the group stops writing at once).
 */
export function directSender(socket: WebSocket, id: string, onSent: (n: number) => void, backlogBytes = DIRECT_BACKLOG_BYTES): DirectSender {
  const prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
  return {
    send(results) {
      // Closing: graphql-ws is about to end the subscription; nothing more goes out.
      if (socket.readyState !== socket.OPEN) return false;
      const raw = rawStream(socket);
      if (raw) raw.write(textFrames(prefix, results));
      else {
        const send = plainSend.get(socket) ?? (socket.send.bind(socket) as (data: unknown, options: object) => void);
        const stream = (socket as unknown as { _socket?: Corkable })._socket;
        stream?.cork();
        try {
          for (const r of results) send(Buffer.concat([prefix, r]), { binary: false });
        } finally {
          stream?.uncork();
        }
      }
      onSent(results.length);
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
