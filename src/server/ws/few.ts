/**
 * A few values kept per socket, usually one: the value itself, a Set only past one, null for none.
 * With 20,000 idle sockets, a Set each (some 130 bytes) counts (bench/RESULTS.md). Values must not
 * themselves be Sets.
 */
export type Few<T> = T | Set<T> | null;

export function hasIn<T>(few: Few<T>, value: T): boolean {
  return few instanceof Set ? few.has(value) : few === value;
}

/** `few` with `value` added (once). */
export function addTo<T>(few: Few<T>, value: T): Few<T> {
  if (few === null) return value;
  if (few instanceof Set) return few.add(value);
  return few === value ? few : new Set([few, value]);
}

/** `few` without `value`. */
export function removeFrom<T>(few: Few<T>, value: T): Few<T> {
  if (few instanceof Set) {
    few.delete(value);
    return few;
  }
  return few === value ? null : few;
}

export function eachOf<T>(few: Few<T>, fn: (value: T) => void): void {
  if (few instanceof Set) for (const v of few) fn(v);
  else if (few !== null) fn(few);
}
