import { badUserInput } from '../../server/errors';

/** Cursors are opaque to clients: base64url of the sort key of the last row. */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

type Part = 'string' | 'number';

/** Decodes a cursor of the given shape, or refuses it naming the argument. */
export function decodeCursor<const S extends readonly Part[]>(
  cursor: string,
  shape: S,
  argument = 'after',
): { [K in keyof S]: S[K] extends 'number' ? number : string } {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = null;
  }
  const ok =
    Array.isArray(parts) &&
    parts.length === shape.length &&
    parts.every((p, i) => typeof p === shape[i] && (typeof p !== 'number' || Number.isFinite(p)));
  if (!ok) throw badUserInput(argument, 'not a cursor of this list; pass an endCursor or cursor this API returned');
  return parts as { [K in keyof S]: S[K] extends 'number' ? number : string };
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** `first` defaults to 20 and is capped, with an error that says the cap. */
export function pageSize(first: number | null | undefined, max: number): number {
  if (first === null || first === undefined) return Math.min(20, max);
  if (first < 0) throw badUserInput('first', 'must not be negative');
  if (first > max) throw badUserInput('first', `must be at most ${max}`, { max });
  return first;
}
