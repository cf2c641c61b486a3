import type { Executor } from '../../../src/db/client';
import type { EventRecord } from '../../../src/modules/events/events.repository';
import { cursorParts, encodeCursor } from '../../../src/modules/pagination/cursor';
import { EventCursors, comparePositions } from '../../../src/realtime/event-cursor';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const DAY = 86_400_000;
const RETENTION = 30 * DAY;
/** A database the decoder must not touch: a signed cursor at or behind `known` is judged without IO. */
const noDb = new Proxy({}, { get: (_t, p) => { throw new Error(`the database was used (${String(p)})`); } }) as Executor;

const log = new EventCursors('log-a', 'secret-a');
const event = (tx: string, seq: number, createdAt = NOW - 1000): EventRecord =>
  ({ tx, seq, type: 'ITEM_PUBLISHED', reportId: 'r', itemId: 'i', facts: {}, createdAt: new Date(createdAt) }) as unknown as EventRecord;
const known = { tx: '1000', seq: 1000 };
const decode = (cursor: string, cursors = log) => cursors.decode(noDb, cursor, RETENTION, known, NOW);

/** The error a decode fails with, as a client sees it: code and message. */
async function refusal(cursor: string, cursors = log): Promise<{ code: unknown; message: string }> {
  try {
    await decode(cursor, cursors);
  } catch (err) {
    const e = err as { extensions?: Record<string, unknown>; message: string };
    return { code: e.extensions?.code, message: e.message };
  }
  throw new Error(`accepted: ${cursor}`);
}

describe('event cursors', () => {
  it('decode what encode wrote: the position and when the event was written', async () => {
    expect(await decode(log.encode(event('100', 5)))).toEqual({ tx: '100', seq: 5, createdAt: NOW - 1000 });
    // A transaction id beyond 2^53 survives (xid8 is carried as a decimal string).
    expect(await decode(log.encode(event('900', 7)))).toMatchObject({ tx: '900', seq: 7 });
    const big = new EventCursors('log-a', 'secret-a');
    const far = { tx: '18446744073709551000', seq: 1 };
    await expect(big.decode(noDb, big.encode(event(far.tx, far.seq)), RETENTION, { tx: far.tx, seq: 2 }, NOW)).resolves.toMatchObject(far);
  });

  it('refuse a forged cursor: a changed position, or a signature under another secret', async () => {
    const parts = cursorParts(log.encode(event('100', 5)))!;
    const moved = encodeCursor([...parts.slice(0, 3), 4, ...parts.slice(4)] as (string | number)[]);
    expect(await refusal(moved)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('signature does not match') });
    const otherSecret = new EventCursors('log-a', 'secret-b').encode(event('100', 5));
    expect(await refusal(otherSecret)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('signature does not match') });
    const noMac = encodeCursor([...parts.slice(0, 5), ''] as (string | number)[]);
    expect(await refusal(noMac)).toMatchObject({ message: expect.stringContaining('signature does not match') });
  });

  it('refuse a cursor of another event log (another server or database)', async () => {
    const other = new EventCursors('log-b', 'secret-a').encode(event('100', 5));
    expect(await refusal(other)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('another event log') });
  });

  it('refuse what is not an event cursor: garbage, wrong shapes, position 0, a transaction id out of range', async () => {
    const e = cursorParts(log.encode(event('100', 5)))!;
    const withPart = (i: number, v: string | number) => encodeCursor(e.map((p, j) => (j === i ? v : p)) as (string | number)[]);
    for (const bad of ['garbage', '', encodeCursor(['ev2', 'log-a', '100', 5]), encodeCursor(['ev1', '100', 5]), encodeCursor(['ev3', ...(e.slice(1) as string[])]), withPart(3, 0), withPart(2, 'abc'), withPart(2, '18446744073709551616'), withPart(4, -1)]) {
      expect([bad, await refusal(bad)]).toEqual([bad, { code: 'BAD_USER_INPUT', message: expect.stringContaining('not an event cursor of this API') }]);
    }
  });

  it('CURSOR_EXPIRED past retention; a time stamped beyond the clock skew is from a log ahead of this one', async () => {
    const old = log.encode(event('100', 5, NOW - RETENTION - 1));
    expect(await refusal(old)).toMatchObject({ code: 'CURSOR_EXPIRED', message: expect.stringContaining('30-day event retention') });
    expect(await decode(log.encode(event('100', 5, NOW - RETENTION + 1000)))).toMatchObject({ seq: 5 });
    expect(await decode(log.encode(event('100', 5, NOW + 60_000)))).toMatchObject({ seq: 5 });
    const future = log.encode(event('100', 5, NOW + 10 * 60_000));
    expect(await refusal(future)).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('ahead of this event log') });
  });

  it('sign: deterministic per log, and a signature for one purpose is not one for another', () => {
    expect(log.sign('search', 'p')).toBe(log.sign('search', 'p'));
    expect(log.sign('search', 'p')).not.toBe(log.sign('other', 'p'));
    expect(log.sign('search', 'p')).not.toBe(log.sign('search', 'q'));
    expect(new EventCursors('log-b', 'secret-a').sign('search', 'p')).not.toBe(log.sign('search', 'p'));
    expect(new EventCursors('log-a', 'secret-b').sign('search', 'p')).not.toBe(log.sign('search', 'p'));
  });
});

describe('comparePositions', () => {
  it('orders by transaction id as a number (not as text), then by sequence', () => {
    expect(comparePositions({ tx: '9', seq: 50 }, { tx: '10', seq: 1 })).toBeLessThan(0);
    expect(comparePositions({ tx: '18446744073709551000', seq: 1 }, { tx: '18446744073709550999', seq: 9 })).toBeGreaterThan(0);
    expect(comparePositions({ tx: '10', seq: 2 }, { tx: '10', seq: 3 })).toBeLessThan(0);
    expect(comparePositions({ tx: '10', seq: 3 }, { tx: '10', seq: 3 })).toBe(0);
  });
});
