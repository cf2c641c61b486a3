import type { FormattedExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import type { DirectSender } from '../server/context';

/**
 * Sending a group's serialised result without serialising it again per socket.
 *
 * graphql-ws builds every `next` message with JSON.stringify, which cannot embed text that is
 * already JSON. So `onNext` hands graphql-ws a placeholder payload, `{"extensions":{"__dqShared":<n>}}`, and
 * keeps the serialised result under `n` for that socket; the socket's `send` swaps the
 * placeholder for the text on the way out. The message on the wire is exactly what graphql-ws
 * would have sent, byte for byte, and the per-subscriber cost is a string concatenation.
 */
const MARKER = '{"extensions":{"__dqShared":';

const pendingBySocket = new WeakMap<WebSocket, { next: number; texts: Map<number, string> }>();

/** The placeholder payload for `json` on `socket` (see above). */
export function sharedPayload(socket: WebSocket, json: string): FormattedExecutionResult {
  let pending = pendingBySocket.get(socket);
  if (!pending) {
    pending = { next: 0, texts: new Map() };
    pendingBySocket.set(socket, pending);
  }
  const n = pending.next++;
  pending.texts.set(n, json);
  return { extensions: { __dqShared: n } };
}

/** Below this much unsent data a send counts as done at once (see prepareSocketSend). */
export const SEND_HIGH_WATER_BYTES = 64 * 1024;

/**
 * Wraps `socket.send` once per socket, before graphql-ws uses it:
 * - placeholders become their shared text (above);
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
    const text = typeof data === 'string' ? expand(socket, data) : data;
    const cb = typeof rest[rest.length - 1] === 'function' ? (rest.pop() as (err?: Error) => void) : null;
    cork(socket);
    if (!cb || socket.bufferedAmount >= highWaterBytes) return send(text, ...rest, ...(cb ? [cb] : []));
    send(text, ...rest, noop);
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

function expand(socket: WebSocket, data: string): string {
  const pending = pendingBySocket.get(socket);
  if (!pending || pending.texts.size === 0) return data;
  // The placeholder is the payload, the last member of the message: `…,"payload":{"extensions":{"__dqShared":7}}}`.
  // A client-chosen id cannot fake it: its quotes are escaped inside the id string.
  const at = data.lastIndexOf(MARKER);
  if (at < 0 || !data.endsWith('}}}')) return data;
  const n = Number(data.slice(at + MARKER.length, -3));
  const text = pending.texts.get(n);
  if (text === undefined) return data;
  pending.texts.delete(n);
  return data.slice(0, at) + text + '}';
}
