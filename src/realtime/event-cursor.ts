import { ApiError, ErrorCode, badUserInput } from '../server/errors';
import type { EventRecord, LogPosition } from '../modules/events/events.repository';
import { decodeCursor, encodeCursor } from '../modules/pagination/cursor';

/** What a client passes back as `after`: the log position plus when the event was written. */
export interface EventCursor extends LogPosition {
  createdAt: number;
}

export const eventCursor = (e: EventRecord): string => encodeCursor(['ev1', e.tx, e.seq, e.createdAt.getTime()]);

export function decodeEventCursor(cursor: string, retentionMs: number, now = Date.now()): EventCursor {
  const [tag, tx, seq, createdAt] = decodeCursor(cursor, ['string', 'string', 'number', 'number']);
  if (tag !== 'ev1' || !/^\d+$/.test(tx)) throw badUserInput('after', 'not an event cursor of this API');
  if (createdAt < now - retentionMs) {
    throw new ApiError(
      ErrorCode.CURSOR_EXPIRED,
      `after: the cursor is older than the ${Math.round(retentionMs / 86_400_000)}-day event retention; read the missed items with the items query and subscribe again without after`,
      { argument: 'after' },
    );
  }
  return { tx, seq, createdAt };
}

/** Total order of log positions: (tx, seq). */
export function comparePositions(a: LogPosition, b: LogPosition): number {
  const ta = BigInt(a.tx);
  const tb = BigInt(b.tx);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.seq - b.seq;
}
