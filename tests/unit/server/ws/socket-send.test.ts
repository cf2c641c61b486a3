import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ProtocolSocket, SocketSink, closeReason, encodeResult, endSubscriptionsOf, type SinkHooks } from '../../../../src/server/ws/socket-send';

const encoded = (...jsons: string[]): Buffer[] => jsons.map(encodeResult);

const hooks = (delivered: (n: number) => void = () => undefined): SinkHooks & { slowConsumer: jest.Mock; unavailable: jest.Mock } => ({ slowConsumer: jest.fn(), unavailable: jest.fn(), delivered });
/** A group member's direct writes: a SocketSink's. */
const directSender = (socket: WebSocket, id: string, delivered: (n: number) => void, backlog?: number): SocketSink => new SocketSink(socket, id, hooks(delivered), backlog);

/** What the sending code touches of a `ws` socket: no network. */
class FakeSocket {
  readonly OPEN = 1;
  readonly CLOSED = 3;
  /** No `ws` sender internals here: the sender takes its fallback path, through `send`. */
  readonly extensions = '';
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  readonly raw = { corked: 0, writes: [] as string[][], cork: () => void this.raw.corked++, uncork: () => void this.raw.corked-- };
  /** `ws` keeps the net.Socket here; cork/uncork are all that is used of it. */
  readonly _socket = this.raw;
  send(data: unknown, ...rest: unknown[]): void {
    this.sent.push(String(data));
    const cb = rest.find((r) => typeof r === 'function') as ((err?: Error) => void) | undefined;
    this.callbacks.push(cb ?? null);
  }
  readonly callbacks: (((err?: Error) => void) | null)[] = [];
  asWs(): WebSocket {
    return this as unknown as WebSocket;
  }
}

describe('directSender (src/server/ws/socket-send.ts)', () => {
  it('writes graphql-ws `next` messages byte for byte, the burst corked into one write, and counts them', () => {
    const socket = new FakeSocket();
    const onSent = jest.fn();
    const direct = directSender(socket.asWs(), 'op-1', onSent);
    let corkedDuring = -1;
    const plain = socket.send.bind(socket);
    socket.send = (data: unknown, ...rest: unknown[]) => {
      corkedDuring = Math.max(corkedDuring, socket.raw.corked);
      plain(data, ...rest);
    };
    expect(direct.send(encoded('{"data":{"a":1}}', '{"data":{"a":2}}'))).toBe(false);
    expect(socket.sent).toEqual(['{"id":"op-1","type":"next","payload":{"data":{"a":1}}}', '{"id":"op-1","type":"next","payload":{"data":{"a":2}}}']);
    expect(socket.sent.map((m) => JSON.parse(m))).toEqual([
      { id: 'op-1', type: 'next', payload: { data: { a: 1 } } },
      { id: 'op-1', type: 'next', payload: { data: { a: 2 } } },
    ]);
    expect(corkedDuring).toBe(1);
    expect(socket.raw.corked).toBe(0);
    expect(onSent).toHaveBeenCalledWith(2);
  });

  it('escapes the operation id as JSON', () => {
    const socket = new FakeSocket();
    directSender(socket.asWs(), 'a"b', () => undefined).send(encoded('{}'));
    expect(JSON.parse(socket.sent[0]!)).toEqual({ id: 'a"b', type: 'next', payload: {} });
  });

  it('says the socket is backed up once more than the backlog is unsent', () => {
    const socket = new FakeSocket();
    const direct = directSender(socket.asWs(), '1', () => undefined, 100);
    socket.bufferedAmount = 100;
    expect(direct.send(encoded('{}'))).toBe(false);
    socket.bufferedAmount = 101;
    expect(direct.send(encoded('{}'))).toBe(true);
  });

  it('writes nothing to a socket that is closing', () => {
    const socket = new FakeSocket();
    const onSent = jest.fn();
    const direct = directSender(socket.asWs(), '1', onSent);
    socket.readyState = 2;
    expect(direct.send(encoded('{}'))).toBe(false);
    expect(socket.sent).toEqual([]);
    expect(onSent).not.toHaveBeenCalled();
  });
});

describe('ProtocolSocket (what graphql-ws sends through)', () => {
  it('counts a send as done at once below the high-water mark, and when `ws` says so above it', async () => {
    const socket = new FakeSocket();
    const adapter = new ProtocolSocket(socket.asWs(), 1000);
    // Done at once: nothing for graphql-ws to wait for, no callback given to `ws`.
    expect(adapter.send('a')).toBeUndefined();
    expect(socket.callbacks[0]).toBeNull();

    socket.bufferedAmount = 1000;
    let done = false;
    const late = adapter.send('b')!.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    socket.callbacks[1]!();
    await late;
    expect(done).toBe(true);
    expect(socket.sent).toEqual(['a', 'b']);
  });

  it('takes a failed send as done (its socket is gone, and its close ends the operation), and sends nothing to a socket that is closing', async () => {
    const socket = new FakeSocket();
    const adapter = new ProtocolSocket(socket.asWs(), 0);
    const failed = adapter.send('a')!;
    socket.callbacks[0]!(new Error('gone'));
    await expect(failed).resolves.toBeUndefined();
    socket.readyState = 2;
    expect(adapter.send('b')).toBeUndefined();
    expect(socket.sent).toEqual(['a']);
  });

  it('direct writes go through `ws` as text frames, with no per-message callback', () => {
    const socket = new FakeSocket();
    const plain = jest.spyOn(socket, 'send');
    directSender(socket.asWs(), '1', () => undefined).send(encoded('{}', '{}'));
    expect(plain).toHaveBeenCalledTimes(2);
    expect(plain.mock.calls.every((args) => args.every((a) => typeof a !== 'function'))).toBe(true);
    // Buffers sent as text frames, as graphql-ws's strings are.
    expect(plain.mock.calls.every((args) => (args[1] as { binary?: boolean }).binary === false)).toBe(true);
  });
});

describe('closeReason', () => {
  it('keeps a close reason within the 123 bytes `ws` accepts, whatever the characters', () => {
    for (const id of ['x'.repeat(200), '€'.repeat(64), '😀'.repeat(40), 'a😀'.repeat(40)]) {
      const reason = closeReason(`Subscriber for ${id} already exists`);
      expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
      // Whole characters only: no lone surrogate, nothing lost in a round trip through UTF-8.
      expect(Buffer.from(reason).toString()).toBe(reason);
    }
    expect(closeReason('short')).toBe('short');
  });
});

describe('SocketSink', () => {
  it('is backed up while the socket holds unsent data, and passes slow-consumer and unavailable closes on', () => {
    const socket = new FakeSocket();
    const h = hooks();
    const sink = new SocketSink(socket.asWs(), '1', h);
    expect(sink.backedUp()).toBe(false);
    socket.bufferedAmount = 1;
    expect(sink.backedUp()).toBe(true);
    sink.slowConsumer();
    sink.unavailable();
    expect([h.slowConsumer.mock.calls, h.unavailable.mock.calls]).toEqual([[[socket]], [[socket]]]);
  });

  it('ends what it was given to end when its socket closes, once each, and not what was forgotten', () => {
    const socket = new FakeSocket();
    const [a, b, c] = [1, 2, 3].map(() => new SocketSink(socket.asWs(), 'x', hooks()));
    const subs = [0, 1, 2, 3].map(() => ({ return: jest.fn() }));
    // One, then several, then one forgotten: each way of keeping them is read.
    a!.endOnClose(subs[0]!);
    b!.endOnClose(subs[1]!);
    c!.endOnClose(subs[2]!);
    c!.forget(subs[2]!);
    endSubscriptionsOf(socket.asWs());
    expect(subs.map((s) => s.return.mock.calls.length)).toEqual([1, 1, 0, 0]);
    // Nothing left registered: a second close ends nothing again.
    endSubscriptionsOf(socket.asWs());
    expect(subs.map((s) => s.return.mock.calls.length)).toEqual([1, 1, 0, 0]);
    // A lone registration, forgotten: nothing to end.
    a!.endOnClose(subs[3]!);
    a!.forget(subs[3]!);
    endSubscriptionsOf(socket.asWs());
    expect(subs[3]!.return).not.toHaveBeenCalled();
    // On a socket already closed, at once.
    socket.readyState = 3;
    a!.endOnClose(subs[2]!);
    expect(subs[2]!.return).toHaveBeenCalledTimes(1);
  });
});

describe('directSender on a real `ws` connection', () => {
  let wss: WebSocketServer;
  afterEach(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
  });

  it('frames a burst itself, byte for byte what `ws` sends for graphql-ws, in order with its sends, whatever the length', async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    const received: { text: string; binary: boolean }[] = [];
    let wanted = 0;
    let arrived = (): void => undefined;
    client.on('message', (data, isBinary) => {
      received.push({ text: String(data), binary: isBinary });
      if (received.length >= wanted) arrived();
    });
    const [socket] = await accepted;
    await once(client, 'open');
    // Each length encoding of RFC 6455: 7 bits, 16 bits (126 to 65,535 bytes), 64 bits; the last is multi-byte UTF-8.
    const results = ['{"data":1}', `{"data":"${'x'.repeat(300)}"}`, `{"data":"${'模'.repeat(30_000)}"}`];
    const viaWs = jest.spyOn(socket, 'send');
    socket.send('{"type":"before"}');
    const counted = jest.fn();
    expect(directSender(socket, 'op-"1"', counted).send(encoded(...results))).toBe(false);
    socket.send('{"type":"after"}');
    wanted = 5;
    await new Promise<void>((r) => (received.length >= wanted ? r() : (arrived = r)));
    const next = (json: string): string => `{"id":${JSON.stringify('op-"1"')},"type":"next","payload":${json}}`;
    expect(received).toEqual(['{"type":"before"}', ...results.map(next), '{"type":"after"}'].map((text) => ({ text, binary: false })));
    // Written by the sender's own framing, not through `ws` (if a `ws` upgrade removes the internals it relies on, this fails, and the fallback carries the messages meanwhile).
    expect(viaWs).toHaveBeenCalledTimes(2);
    expect(counted).toHaveBeenCalledWith(3);
  });
});
