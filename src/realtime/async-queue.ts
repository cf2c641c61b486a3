type Waiter<T> = { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void };

/**
 * A bounded queue read as an async iterator. `push` returns false when the queue is full:
 * the producer decides what a slow reader costs (here: its connection), never the heap.
 */
export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiter: Waiter<T> | null = null;
  private done = false;
  private error: { err: unknown } | null = null;
  /** Waiting in `ready()`: told of the next item, the end, or a `wake()`. */
  private watchers: (() => void)[] = [];

  constructor(
    readonly capacity: number,
    private readonly onReturn: () => void = () => undefined,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** Ended or failed: nothing more will be pushed. */
  get ended(): boolean {
    return this.done;
  }

  /**
   * Resolves once an item is waiting, the queue has ended, or `wake()` is called; takes nothing
   * (the reader decides what to do before it takes the next item).
   */
  ready(): Promise<void> {
    if (this.items.length > 0 || this.done) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push(resolve));
  }

  /** Resolves every `ready()` waiting now, whatever the queue holds. */
  wake(): void {
    if (this.watchers.length === 0) return;
    const watchers = this.watchers;
    this.watchers = [];
    for (const w of watchers) w();
  }

  push(item: T): boolean {
    if (this.done) return true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve({ value: item, done: false });
      return true;
    }
    if (this.items.length >= this.capacity) return false;
    this.items.push(item);
    this.wake();
    return true;
  }

  /** Ends the stream; the reader sees `done` after what is queued. */
  end(): void {
    this.settle(null);
  }

  /** Ends the stream with an error, seen by the reader after what is queued. */
  fail(err: unknown): void {
    this.settle({ err });
  }

  private settle(error: { err: unknown } | null): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    this.wake();
    const w = this.waiter;
    this.waiter = null;
    if (!w) return;
    if (error) w.reject(error.err);
    else w.resolve({ value: undefined, done: true });
    this.error = null;
  }

  /** Up to `max` items already waiting, taken at once (none when empty). */
  takeReady(max: number): T[] {
    return this.items.splice(0, max);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.error) {
      const { err } = this.error;
      this.error = null;
      return Promise.reject(err);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
