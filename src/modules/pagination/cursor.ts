import { badUserInput } from '../../graphql/errors';

/** Cursors are opaque to clients: base64url of the sort key of the last row. */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The parts of a cursor, or null when it is not one (base64url of a JSON array). */
export function cursorParts(cursor: string): unknown[] | null {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parts) ? parts : null;
  } catch {
    return null;
  }
}

/** A row position in a cursor: a whole number a Postgres integer holds (never 1.5, -1 or 1e300). */
export const isPosition = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= 2_147_483_647;

/** A timestamp in a cursor, as this API writes them (ISO, years 1 to 9999, which Postgres holds); else null. */
export function cursorDate(s: string): Date | null {
  const d = new Date(s);
  return !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999 && d.toISOString() === s ? d : null;
}

/** The range of a Postgres `real` (float4): scores are compared as one in SQL, so anything else is not a score. */
const FLOAT4_MIN = 1.1754943508222875e-38;
const FLOAT4_MAX = 3.4028234663852886e38;

/** A relevance score in a cursor: 0 or a `real` (ts_rank's are between 0 and 1); 1e308 or 1e-50 would fail the cast. */
const isScore = (n: unknown): n is number =>
  typeof n === 'number' && Number.isFinite(n) && (n === 0 || (Math.abs(n) >= FLOAT4_MIN && Math.abs(n) <= FLOAT4_MAX));

type Part = 'string' | 'position' | 'score';
type Decoded<S extends readonly Part[]> = { [K in keyof S]: S[K] extends 'position' | 'score' ? number : string };
const PART_CHECK: Record<Part, (p: unknown) => boolean> = { string: (p) => typeof p === 'string', position: isPosition, score: isScore };

/** Decodes a cursor of the given shape, or refuses it naming the argument. */
export function decodeCursor<const S extends readonly Part[]>(cursor: string, shape: S, argument = 'after'): Decoded<S> {
  const parts = cursorParts(cursor);
  const ok = parts !== null && parts.length === shape.length && parts.every((p, i) => PART_CHECK[shape[i]!](p));
  if (!ok) throw notACursor(argument);
  return parts as Decoded<S>;
}

export const notACursor = (argument = 'after') => badUserInput(argument, 'not a cursor of this list; pass an endCursor or cursor this API returned');

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
