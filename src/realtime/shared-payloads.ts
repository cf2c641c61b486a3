import type { FormattedExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';

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

/** Makes `socket.send` replace placeholders with their text. Call once per socket, before use. */
export function sendSharedPayloads(socket: WebSocket): void {
  const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
  socket.send = ((data: unknown, ...rest: unknown[]) => send(typeof data === 'string' ? expand(socket, data) : data, ...rest)) as WebSocket['send'];
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
