import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { SocketSink, directSender, encodeResult, prepareSocketSend } from '../../../../src/server/ws/socket-send';

const encoded = (...jsons: string[]): Buffer[] => jsons.map(encodeResult);

/** What the sending code touches of a `ws` socket: no network. */
class FakeSocket {
  readonly OPEN = 1;
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

describe('prepareSocketSend', () => {
  it("calls graphql-ws's send callback at once below the high-water mark, and the real one above it", async () => {
    const socket = new FakeSocket();
    prepareSocketSend(socket.asWs(), 1000);
    const early = jest.fn();
    socket.asWs().send('a', early);
    // The real callback was swapped for a no-op; graphql-ws's runs on the next tick.
    expect(socket.callbacks[0]).not.toBe(early);
    await new Promise((r) => process.nextTick(r));
    expect(early).toHaveBeenCalledTimes(1);

    socket.bufferedAmount = 1000;
    const late = jest.fn();
    socket.asWs().send('b', late);
    expect(socket.callbacks[1]).toBe(late);
    await new Promise((r) => setImmediate(r));
    expect(late).not.toHaveBeenCalled();
    expect(socket.sent).toEqual(['a', 'b']);
  });

  it('direct writes bypass the wrapper (no per-message callback dance)', () => {
    const socket = new FakeSocket();
    const plain = jest.spyOn(socket, 'send');
    prepareSocketSend(socket.asWs());
    directSender(socket.asWs(), '1', () => undefined).send(encoded('{}', '{}'));
    expect(plain).toHaveBeenCalledTimes(2);
    expect(plain.mock.calls.every((args) => args.every((a) => typeof a !== 'function'))).toBe(true);
    // Buffers sent as text frames, as graphql-ws's strings are.
    expect(plain.mock.calls.every((args) => (args[1] as { binary?: boolean }).binary === false)).toBe(true);
  });
});

describe('SocketSink', () => {
  it('is backed up while the socket holds unsent data, and passes slow-consumer and unavailable closes on', () => {
    const socket = new FakeSocket();
    const slow = jest.fn();
    const unavailable = jest.fn();
    const direct = directSender(socket.asWs(), '1', () => undefined);
    const sink = new SocketSink(socket.asWs(), direct, slow, unavailable);
    expect(sink.backedUp()).toBe(false);
    socket.bufferedAmount = 1;
    expect(sink.backedUp()).toBe(true);
    sink.slowConsumer();
    sink.unavailable();
    expect([slow.mock.calls.length, unavailable.mock.calls.length]).toEqual([1, 1]);
    expect(sink.direct).toBe(direct);
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
    prepareSocketSend(socket);
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
