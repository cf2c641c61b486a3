import DataLoader from 'dataloader';

/** One row per key (null when missing), fetched in one statement per batch. */
export function loaderByKey<K, V>(fetch: (keys: readonly K[]) => Promise<V[]>, keyOf: (row: V) => K): DataLoader<K, V | null> {
  return new DataLoader(async (keys) => {
    const rows = await fetch(keys);
    const byKey = new Map(rows.map((r) => [keyOf(r), r]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

/** Every row of each key, in the order the fetch returned them, in one statement per batch. */
export function loaderGrouped<K, V, O = V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
  map: (row: V) => O = (row) => row as unknown as O,
): DataLoader<K, O[]> {
  return new DataLoader(async (keys) => {
    const rows = await fetch(keys);
    const groups = new Map<K, O[]>(keys.map((k) => [k, []]));
    for (const r of rows) groups.get(keyOf(r))?.push(map(r));
    return keys.map((k) => groups.get(k) ?? []);
  });
}
