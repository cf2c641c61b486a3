import { cursorParts } from '../../src/modules/pagination/cursor';

/** The log sequence an `itemPublished` cursor carries (read without checking its signature). */
export function cursorSeq(cursor: string): number {
  const parts = cursorParts(cursor);
  if (!parts || parts[0] !== 'ev2') throw new Error(`not an event cursor: ${cursor}`);
  return parts[3] as number;
}
