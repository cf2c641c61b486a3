import type { WebSocket } from 'ws';
import type { WebSocket as ProtocolWebSocket } from 'graphql-ws';
import type { SubscriptionSink } from '../../graphql/context';
import { addTo, eachOf, removeFrom, type Few } from './few';

/**
 * How messages leave a socket: a group member's burst is written directly (SocketSink), everything
 * else through graphql-ws (ProtocolSocket); and the keep-alive that tells a dead peer from a slow one.
 *
 * What is kept per socket and per subscription is kept small on purpose: with 20,000 idle
 * subscribers every closure, timer and `once` wrapper per socket counts (bench/RESULTS.md). So the
 * objects here are class instances with their methods on the prototype, the keep-alive is one
 * timer for every socket, and the listeners they add are shared functions (a `ws` socket is `this`).
 */

/** Below this much unsent data a send counts as done at once (see ProtocolSocket.send). */
export const SEND_HIGH_WATER_BYTES = 64 * 1024;

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

/**
 * A close reason `ws` accepts: at most 123 bytes of UTF-8 (it throws past that), cut at a
 * character boundary. Reasons can carry a client's text (an operation id).
 */
export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason.slice(0, 123);
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  // Not half a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * The socket graphql-ws's server writes to (its `WebSocket`), over a `ws` socket:
 * - the messages of a burst leave together (`cork`);
 * - graphql-ws awaits each send before the next message of a subscription, and `ws` calls back
 *   only once the bytes reached the kernel: one write syscall per message, where a plain
 *   broadcast hands a socket its whole burst at once and Node writes it in one `writev`. While the
 *   socket holds less than `highWaterBytes` unsent, a send counts as done at once, so a burst
 *   reaches the socket in one go; above it, the send is done when `ws` says so, and a consumer
 *   that does not read holds up only its own subscriptions (the slow-consumer rules take over).
 */
export class ProtocolSocket implements ProtocolWebSocket {
  constructor(
    readonly socket: WebSocket,
    private readonly highWaterBytes = SEND_HIGH_WATER_BYTES,
  ) {}

  get protocol(): string {
    return this.socket.protocol;
  }

  send(data: string): Promise<void> | undefined {
    const socket = this.socket;
    // As graphql-ws's own `ws` adapter: nothing goes to a socket that is closing.
    if (socket.readyState !== socket.OPEN) return undefined;
    cork(socket);
    if (socket.bufferedAmount < this.highWaterBytes) {
      socket.send(data);
      return undefined;
    }
    // A send that fails has lost its socket, whose close ends the operation: not an error of the
    // operation's (graphql-ws would report it as one, and it would be logged as unexpected).
    return new Promise((resolve) => socket.send(data, () => resolve()));
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason === undefined ? undefined : closeReason(reason));
  }

  /** Set by the server that serves this socket (protocol-server.ts), which passes messages on. */
  onMessage(cb: (data: string) => Promise<void>): void {
    this.received = cb;
  }

  received: ((data: string) => Promise<void>) | null = null;
}

/** Per socket, what the adapter does for its subscriptions: shared by them, so nothing is made per subscription. */
export interface SinkHooks {
  /** Closes the socket as a slow consumer (4503): it resumes with its last cursor. */
  slowConsumer(socket: WebSocket): void;
  /** Closes the socket with 1013: the database stayed unavailable; it resumes with its last cursor. */
  unavailable(socket: WebSocket): void;
  /** `n` messages were written directly. */
  delivered(n: number): void;
}

/** What a subscription is ended by when its socket closes. */
export interface Returnable {
  return(): unknown;
}

/** Per socket, the subscriptions to end when it closes (SocketSink.endOnClose). */
const running = new WeakMap<WebSocket, Few<Returnable>>();

/** The socket closed: ends every subscription registered with `endOnClose` (the adapter calls it). */
export function endSubscriptionsOf(socket: WebSocket): void {
  const subs = running.get(socket) ?? null;
  running.delete(socket);
  eachOf(subs, (s) => void s.return());
}

/**
 * A graphql-ws subscriber's end of its stream: the transport-free SubscriptionSink the realtime
 * side sees, and the direct write path a subscription group uses for it.
 *
 * Direct writes: the group's encoded results go out as graphql-ws `next` messages written here,
 * byte for byte what graphql-ws writes (`{"id":…,"type":"next","payload":…}` in a text frame),
 * without graphql-ws's per-message promise chain and without `ws`'s per-message framing: a
 * member's burst is framed into one buffer (the result bytes, encoded once per group, copied after
 * the member's own prefix) and leaves in one write, so what is unsent afterwards is what the
 * peer's connection did not take. graphql-ws still owns the subscription: it completes it, and
 * its `complete` from the client ends it (the group stops writing at once).
 */
export class SocketSink implements SubscriptionSink, DirectSender {
  /** `{"id":…,"type":"next","payload":`, made on the first direct write. */
  private prefix: Buffer | null = null;

  constructor(
    readonly socket: WebSocket,
    readonly id: string,
    private readonly hooks: SinkHooks,
    private readonly backlogBytes = DIRECT_BACKLOG_BYTES,
  ) {}

  backedUp(): boolean {
    return this.socket.bufferedAmount > 0;
  }

  slowConsumer(): void {
    this.hooks.slowConsumer(this.socket);
  }

  unavailable(): void {
    this.hooks.unavailable(this.socket);
  }

  /** Writes one `next` message per result, in one socket write; true when the socket is now backed up. */
  send(results: readonly Buffer[]): boolean {
    const socket = this.socket;
    // Closing: graphql-ws is about to end the subscription; nothing more goes out.
    if (socket.readyState !== socket.OPEN) return false;
    const prefix = (this.prefix ??= Buffer.from(`{"id":${JSON.stringify(this.id)},"type":"next","payload":`));
    const raw = rawStream(socket);
    if (raw) raw.write(textFrames(prefix, results));
    else {
      const stream = (socket as unknown as { _socket?: Corkable })._socket;
      stream?.cork();
      try {
        for (const r of results) socket.send(Buffer.concat([prefix, r]), { binary: false });
      } finally {
        stream?.uncork();
      }
    }
    this.hooks.delivered(results.length);
    return socket.bufferedAmount > this.backlogBytes;
  }

  /**
   * Ends `sub` (its `return`) when the socket closes (`endSubscriptionsOf`), at once if it is closing:
   * whoever else forgets it (graphql-ws ends the operations it holds, but one it lost track of
   * would run on, written to no socket). `forget` once it has ended.
   */
  endOnClose(sub: Returnable): void {
    const socket = this.socket;
    // Closing (a slow consumer, the database unavailable) or closed: nothing more runs for it.
    if (socket.readyState !== socket.OPEN) {
      void sub.return();
      return;
    }
    running.set(socket, addTo(running.get(socket) ?? null, sub));
  }

  forget(sub: Returnable): void {
    const subs = removeFrom(running.get(this.socket) ?? null, sub);
    if (subs === null) running.delete(this.socket);
    else running.set(this.socket, subs);
  }
}

type Corkable = { cork(): void; uncork(): void };

/** Sockets the keep-alive pings at once before yielding to the event loop. */
const PING_SLICE = 500;

/**
 * graphql-ws's keep-alive (ping every `intervalMs`, a pong due within as long again), with one
 * difference: a peer that has not answered while data to it is still unsent has not gone away, it
 * has stopped reading (the ping waits behind that data). It is a slow consumer (`onSlow`: closed
 * with 4503 as documented, and counted), not a dead peer dropped with 1006. Only a peer that took
 * everything and still does not answer is terminated, as graphql-ws does.
 *
 * One timer for every socket: each round, the sockets pinged in the last round that have not
 * answered are dealt with, then every open socket is pinged.
 */
export class KeepAlive {
  /** Pinged, no pong yet. */
  private readonly awaiting = new Set<WebSocket>();
  private readonly timer: NodeJS.Timeout | null;
  /** The `pong` listener every socket shares (`this` is the socket). */
  private readonly answered: (this: WebSocket) => void;

  constructor(
    private readonly sockets: Iterable<WebSocket>,
    intervalMs: number,
    private readonly onSlow: (socket: WebSocket) => void,
  ) {
    const awaiting = this.awaiting;
    this.answered = function (this: WebSocket) {
      awaiting.delete(this);
    };
    // Never holds the process open (the server closes its sockets when it stops).
    this.timer = intervalMs > 0 && Number.isFinite(intervalMs) ? setInterval(() => void this.round(), intervalMs).unref() : null;
  }

  /** Starts watching a socket (it is pinged from the next round on). */
  watch(socket: WebSocket): void {
    if (this.timer) socket.on('pong', this.answered);
  }

  /** A socket that closed: no longer waited for. */
  forget(socket: WebSocket): void {
    this.awaiting.delete(socket);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.awaiting.clear();
  }

  private async round(): Promise<void> {
    for (const socket of this.awaiting) {
      if (socket.readyState !== socket.OPEN) continue;
      if (socket.bufferedAmount > 0) this.onSlow(socket);
      else socket.terminate();
    }
    this.awaiting.clear();
    let n = 0;
    for (const socket of [...this.sockets]) {
      if (socket.readyState !== socket.OPEN) continue;
      this.awaiting.add(socket);
      socket.ping();
      // 20,000 pings in one go would hold everything else on the process for their length.
      if (++n % PING_SLICE === 0) await new Promise((r) => setImmediate(r));
    }
  }
}
