import { BoundedQueue } from '../../../src/realtime/async-queue';

describe('BoundedQueue (src/realtime/async-queue.ts)', () => {
  it('hands items out in order, and refuses a push past its capacity instead of growing', async () => {
    const q = new BoundedQueue<number>(2);
    expect([q.push(1), q.push(2), q.push(3)]).toEqual([true, true, false]);
    expect(q.size).toBe(2);
    expect(await q.next()).toEqual({ value: 1, done: false });
    expect(q.push(4)).toBe(true);
    expect(await q.next()).toEqual({ value: 2, done: false });
    expect(await q.next()).toEqual({ value: 4, done: false });
    expect(q.size).toBe(0);
  });

  it('gives a waiting reader the pushed item directly, even at capacity 0', async () => {
    const q = new BoundedQueue<string>(0);
    expect(q.push('lost')).toBe(false);
    const waiting = q.next();
    expect(q.push('taken')).toBe(true);
    await expect(waiting).resolves.toEqual({ value: 'taken', done: false });
  });

  it('ends after what is queued, and takes no more once ended', async () => {
    const q = new BoundedQueue<number>(5);
    q.push(1);
    q.end();
    // Accepted and dropped: the producer is not told to slow down a stream that is over.
    expect(q.push(2)).toBe(true);
    expect(await q.next()).toEqual({ value: 1, done: false });
    expect(await q.next()).toEqual({ value: undefined, done: true });
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a waiting reader at once', async () => {
    const q = new BoundedQueue<number>(5);
    const waiting = q.next();
    q.end();
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
  });

  it('fails after what is queued, once, then is done', async () => {
    const q = new BoundedQueue<number>(5);
    q.push(1);
    const boom = new Error('boom');
    q.fail(boom);
    q.fail(new Error('ignored: already settled'));
    expect(await q.next()).toEqual({ value: 1, done: false });
    await expect(q.next()).rejects.toBe(boom);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('fails a waiting reader at once', async () => {
    const q = new BoundedQueue<number>(5);
    const waiting = q.next();
    const boom = new Error('boom');
    q.fail(boom);
    await expect(waiting).rejects.toBe(boom);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('takeReady takes up to max waiting items at once, none when empty', () => {
    const q = new BoundedQueue<number>(10);
    expect(q.takeReady(3)).toEqual([]);
    for (let i = 1; i <= 5; i++) q.push(i);
    expect(q.takeReady(3)).toEqual([1, 2, 3]);
    expect(q.takeReady(3)).toEqual([4, 5]);
    expect(q.size).toBe(0);
  });

  it('return drops what is queued, ends the stream and tells its owner once per call', async () => {
    const onReturn = jest.fn();
    const q = new BoundedQueue<number>(5, onReturn);
    q.push(1);
    q.push(2);
    expect(await q.return()).toEqual({ value: undefined, done: true });
    expect(onReturn).toHaveBeenCalledTimes(1);
    expect(q.size).toBe(0);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('is its own async iterator', async () => {
    const q = new BoundedQueue<number>(5);
    q.push(1);
    q.push(2);
    q.end();
    const seen: number[] = [];
    for await (const n of q) seen.push(n);
    expect(seen).toEqual([1, 2]);
    expect(q[Symbol.asyncIterator]()).toBe(q);
  });

  it('tells a reader waiting in ready() of an item, the end or a wake, without taking anything', async () => {
    const q = new BoundedQueue<number>(4);
    let woken = 0;
    void q.ready().then(() => woken++);
    await Promise.resolve();
    expect(woken).toBe(0);
    q.push(1);
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(1);
    // Taken nothing: the item is still there, and ready() answers at once while it is.
    expect(q.size).toBe(1);
    await q.ready();
    expect(await q.next()).toEqual({ value: 1, done: false });

    const woke = q.ready().then(() => 'woken');
    q.wake();
    expect(await woke).toBe('woken');
    expect(q.size).toBe(0);

    const ended = q.ready().then(() => q.ended);
    q.end();
    expect(await ended).toBe(true);
    await q.ready();
  });
});
