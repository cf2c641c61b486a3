import { BoundedQueue } from '../../../src/realtime/async-queue';

describe('BoundedQueue', () => {
  it('hands queued items out in order, then waits for the next push', async () => {
    const q = new BoundedQueue<number>(3);
    expect([q.push(1), q.push(2)]).toEqual([true, true]);
    expect(q.size).toBe(2);
    expect(await q.next()).toEqual({ value: 1, done: false });
    expect(await q.next()).toEqual({ value: 2, done: false });
    const waiting = q.next();
    expect(q.push(3)).toBe(true);
    // Given straight to the waiting reader, never queued.
    expect(q.size).toBe(0);
    expect(await waiting).toEqual({ value: 3, done: false });
  });

  it('refuses a push when full (the producer decides what a slow reader costs), and accepts again once read', async () => {
    const q = new BoundedQueue<string>(2);
    expect([q.push('a'), q.push('b'), q.push('c')]).toEqual([true, true, false]);
    expect(q.size).toBe(2);
    await q.next();
    expect(q.push('d')).toBe(true);
    expect(q.takeReady(10)).toEqual(['b', 'd']);
  });

  it('takeReady takes at most max of what is waiting, none when empty', () => {
    const q = new BoundedQueue<number>(10);
    expect(q.takeReady(5)).toEqual([]);
    for (let i = 0; i < 4; i++) q.push(i);
    expect(q.takeReady(3)).toEqual([0, 1, 2]);
    expect(q.takeReady(3)).toEqual([3]);
  });

  it('end: the reader gets what is queued, then done; a waiting reader is released; later pushes are dropped', async () => {
    const q = new BoundedQueue<number>(5);
    q.push(1);
    q.end();
    expect(q.push(2)).toBe(true);
    expect(await q.next()).toEqual({ value: 1, done: false });
    expect(await q.next()).toEqual({ value: undefined, done: true });
    expect(await q.next()).toEqual({ value: undefined, done: true });
    const idle = new BoundedQueue<number>(5);
    const waiting = idle.next();
    idle.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('fail: the error comes after what is queued, once; a waiting reader is rejected', async () => {
    const q = new BoundedQueue<number>(5);
    q.push(1);
    q.fail(new Error('gone'));
    q.end(); // the first ending stands
    expect(await q.next()).toEqual({ value: 1, done: false });
    await expect(q.next()).rejects.toThrow('gone');
    expect(await q.next()).toEqual({ value: undefined, done: true });
    const idle = new BoundedQueue<number>(5);
    const waiting = idle.next();
    idle.fail(new Error('down'));
    await expect(waiting).rejects.toThrow('down');
    expect(await idle.next()).toEqual({ value: undefined, done: true });
  });

  it('return (the consumer leaves): drops what is queued, ends, and tells the producer once per call', async () => {
    let returned = 0;
    const q = new BoundedQueue<number>(5, () => returned++);
    q.push(1);
    q.push(2);
    expect(await q.return()).toEqual({ value: undefined, done: true });
    expect(returned).toBe(1);
    expect(q.size).toBe(0);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it('is its own async iterator: for await reads to the end', async () => {
    const q = new BoundedQueue<number>(5);
    [1, 2, 3].forEach((n) => q.push(n));
    q.end();
    const got: number[] = [];
    for await (const n of q) got.push(n);
    expect(got).toEqual([1, 2, 3]);
  });
});
