/**
 * A least-recently-used map bounded by the bytes its values declare (not by count): `get` makes
 * an entry the most recent, `set` evicts the least recent until the total fits. A value larger
 * than the whole bound is not kept. Map iteration order is insertion order, so re-inserting on
 * access is the recency list.
 */
export class ByteLru<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private total = 0;

  constructor(
    private readonly maxBytes: number,
    /** Called for each entry pushed out to make room (not for `delete` or replacement). */
    private readonly onEvict: (key: K, value: V) => void = () => undefined,
  ) {}

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  /** False when the value alone is over the bound (nothing is kept or evicted then). */
  set(key: K, value: V, bytes: number): boolean {
    if (bytes > this.maxBytes) return false;
    this.delete(key);
    this.map.set(key, { value, bytes });
    this.total += bytes;
    while (this.total > this.maxBytes) {
      const [oldest, entry] = this.map.entries().next().value as [K, { value: V; bytes: number }];
      this.map.delete(oldest);
      this.total -= entry.bytes;
      this.onEvict(oldest, entry.value);
    }
    return true;
  }

  delete(key: K): V | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    this.map.delete(key);
    this.total -= entry.bytes;
    return entry.value;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}
