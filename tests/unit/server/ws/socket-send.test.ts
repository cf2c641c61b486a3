import type { WebSocket } from 'ws';
import { SocketSink, directSender, prepareSocketSend } from '../../../../src/server/ws/socket-send';

/** What the sending code touches of a `ws` socket: no network. */
class FakeSocket {
  readonly OPEN = 1;
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
    expect(direct.send(['{"data":{"a":1}}', '{"data":{"a":2}}'])).toBe(false);
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
    directSender(socket.asWs(), 'a"b', () => undefined).send(['{}']);
    expect(JSON.parse(socket.sent[0]!)).toEqual({ id: 'a"b', type: 'next', payload: {} });
  });

  it('says the socket is backed up once more than the backlog is unsent', () => {
    const socket = new FakeSocket();
    const direct = directSender(socket.asWs(), '1', () => undefined, 100);
    socket.bufferedAmount = 100;
    expect(direct.send(['{}'])).toBe(false);
    socket.bufferedAmount = 101;
    expect(direct.send(['{}'])).toBe(true);
  });

  it('writes nothing to a socket that is closing', () => {
    const socket = new FakeSocket();
    const onSent = jest.fn();
    const direct = directSender(socket.asWs(), '1', onSent);
    socket.readyState = 2;
    expect(direct.send(['{}'])).toBe(false);
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
    directSender(socket.asWs(), '1', () => undefined).send(['{}', '{}']);
    expect(plain).toHaveBeenCalledTimes(2);
    expect(plain.mock.calls.every((args) => args.length === 1)).toBe(true);
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
