import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../../db/client';
import { ApiError, ErrorCode, badUserInput } from '../../graphql/errors';
import { eventAt, lastWritten, logIdentity, type EventRecord, type LogPosition } from './events.repository';
import { cursorParts, encodeCursor } from '../pagination/cursor';

/** What a client passes back as `after`: the log position plus when the event was written. */
export interface EventCursor extends LogPosition {
  createdAt: number;
}

/** A clock a little ahead of ours is not "the future"; a cursor stamped later than this is. */
const CLOCK_SKEW_MS = 5 * 60_000;

const refuse = (why: string) => badUserInput('after', `${why}; subscribe without after, or with a cursor this server sent`);

/**
 * Cursors of one event log. A cursor (`ev2`) names the log it came from (its id, made by the
 * migration in each database) and carries an HMAC of its position under the log's secret: a
 * cursor from another database, or one written by hand (position 0, a sequence beyond the head),
 * is refused instead of silently skipping or replaying events. Cursors of the first format
 * (`ev1`, unsigned) still resume when they name an event this log holds, judged by that event's
 * own time for retention (their stamped time is not trusted).
 */
export class EventCursors {
  constructor(
    private readonly logId: string,
    private readonly secret: string,
  ) {}

  /** The log's identity, read once per process (every process on one database shares it). */
  static async load(db: Executor): Promise<EventCursors> {
    const row = await logIdentity(db);
    if (!row) throw new Error('the event_log row is missing: run `digestql migrate`');
    return new EventCursors(row.logId, row.secret);
  }

  encode(e: EventRecord): string {
    const createdAt = e.createdAt.getTime();
    return encodeCursor(['ev2', this.logId, e.tx, e.seq, createdAt, this.mac(e.tx, e.seq, createdAt)]);
  }

  /**
   * The position to resume after, or BAD_USER_INPUT (argument `after`) for a cursor that is
   * malformed, from another log, forged or ahead of this log; CURSOR_EXPIRED past retention.
   * `known` is a head this process has already read: only a cursor beyond it costs a query.
   */
  async decode(db: Executor, cursor: string, retentionMs: number, known: LogPosition, now = Date.now()): Promise<EventCursor> {
    const c = this.parse(cursor);
    // An unsigned (ev1) cursor's time is whatever the client wrote: retention is judged by the event's own time too.
    const written = c.signed ? null : await eventAt(db, c);
    if (Math.min(c.createdAt, written?.getTime() ?? Infinity) < now - retentionMs) {
      throw new ApiError(
        ErrorCode.CURSOR_EXPIRED,
        `after: the cursor is older than the ${Math.round(retentionMs / 86_400_000)}-day event retention; read the missed items with the items query and subscribe again without after`,
        { argument: 'after' },
      );
    }
    if (c.createdAt > now + CLOCK_SKEW_MS || (comparePositions(c, known) > 0 && comparePositions(c, await lastWritten(db)) > 0)) {
      throw refuse('the cursor is ahead of this event log (from another server, or a database restored from a backup)');
    }
    if (!c.signed && !written) throw refuse('the cursor names no event of this log');
    return { tx: c.tx, seq: c.seq, createdAt: c.createdAt };
  }

  private parse(cursor: string): EventCursor & { signed: boolean } {
    const parts = cursorParts(cursor) ?? [];
    const [tag, ...rest] = parts;
    // ev1: [tx, seq, createdAt]; ev2: [logId, tx, seq, createdAt, mac].
    const [logId, tx, seq, createdAt, mac] = tag === 'ev1' && rest.length === 3 ? [this.logId, ...rest, null] : tag === 'ev2' && rest.length === 5 ? rest : [];
    if (typeof tx !== 'string' || !/^\d{1,20}$/.test(tx) || BigInt(tx) >= 2n ** 64n || !isCount(seq) || seq === 0 || !isCount(createdAt) || typeof logId !== 'string') {
      throw refuse('not an event cursor of this API');
    }
    if (tag === 'ev1') return { tx, seq, createdAt, signed: false };
    if (logId !== this.logId) throw refuse('the cursor comes from another event log (another server or database)');
    const expected = Buffer.from(this.mac(tx, seq, createdAt));
    const given = Buffer.from(typeof mac === 'string' ? mac : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refuse('the cursor was not issued by this server (its signature does not match)');
    return { tx, seq, createdAt, signed: true };
  }

  /**
   * A signature of `payload` under this log's secret, for other cursors this server hands out
   * (search cursors): `purpose` keeps one kind's signature from passing for another's.
   */
  sign(purpose: string, payload: string): string {
    return createHmac('sha256', this.secret).update(`${purpose}\n${this.logId}\n${payload}`).digest('base64url').slice(0, 22);
  }

  private mac(tx: string, seq: number, createdAt: number): string {
    return createHmac('sha256', this.secret).update(`${this.logId}.${tx}.${seq}.${createdAt}`).digest('base64url').slice(0, 22);
  }
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Total order of log positions: (tx, seq). */
export function comparePositions(a: LogPosition, b: LogPosition): number {
  const byTx = compareDecimals(a.tx, b.tx);
  return byTx !== 0 ? byTx : a.seq - b.seq;
}

/** Decimal strings by value; without BigInt when neither has a leading zero (as Postgres writes them). */
function compareDecimals(a: string, b: string): number {
  if (a === b) return 0;
  if ((a.length === 1 || a[0] !== '0') && (b.length === 1 || b[0] !== '0')) {
    if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    return a < b ? -1 : 1;
  }
  const ta = BigInt(a);
  const tb = BigInt(b);
  return ta === tb ? 0 : ta < tb ? -1 : 1;
}
