import type { Executor } from '../../../../src/db/client';
import { EventCursors, comparePositions } from '../../../../src/modules/events/event-cursor';
import type { EventRecord } from '../../../../src/modules/events/events.repository';
import { cursorParts, encodeCursor } from '../../../../src/modules/pagination/cursor';

/** Decoding a signed cursor within the known head reads nothing: any query here is a failure. */
const noDb = new Proxy({}, { get: () => { throw new Error('no database access expected'); } }) as Executor;

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12);
const KNOWN = { tx: '900', seq: 90 };

const event = (tx: string, seq: number, createdAt = NOW - 1000): EventRecord => ({
  tx,
  seq,
  type: 'ITEM_PUBLISHED',
  reportId: '00000000-0000-0000-0000-000000000001',
  itemId: '00000000-0000-0000-0000-000000000002',
  facts: { reportSlug: 'r', publishedAt: new Date(NOW).toISOString(), title: 't' },
  createdAt: new Date(createdAt),
});

const codeOf = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'resolved',
    (e: { extensions?: { code?: unknown; argument?: unknown } }) => [e.extensions?.code, e.extensions?.argument],
  );

describe('comparePositions', () => {
  it('orders by transaction, then sequence', () => {
    expect(comparePositions({ tx: '5', seq: 9 }, { tx: '6', seq: 1 })).toBeLessThan(0);
    expect(comparePositions({ tx: '6', seq: 1 }, { tx: '5', seq: 9 })).toBeGreaterThan(0);
    expect(comparePositions({ tx: '6', seq: 2 }, { tx: '6', seq: 3 })).toBeLessThan(0);
    expect(comparePositions({ tx: '6', seq: 3 }, { tx: '6', seq: 3 })).toBe(0);
  });

  it('compares transaction ids beyond 2^53 exactly (they are xid8, kept as strings)', () => {
    expect(comparePositions({ tx: '9007199254740993', seq: 1 }, { tx: '9007199254740992', seq: 1 })).toBeGreaterThan(0);
    expect(comparePositions({ tx: '10', seq: 1 }, { tx: '9', seq: 1 })).toBeGreaterThan(0);
  });

  it('compares by value when a cursor wrote the transaction id with leading zeros', () => {
    expect(comparePositions({ tx: '0010', seq: 1 }, { tx: '9', seq: 1 })).toBeGreaterThan(0);
    expect(comparePositions({ tx: '9', seq: 1 }, { tx: '0010', seq: 1 })).toBeLessThan(0);
    expect(comparePositions({ tx: '007', seq: 2 }, { tx: '7', seq: 2 })).toBe(0);
    expect(comparePositions({ tx: '0', seq: 1 }, { tx: '00', seq: 2 })).toBeLessThan(0);
  });
});

describe('EventCursors (src/modules/events/event-cursor.ts)', () => {
  const cursors = new EventCursors('log-a', 'secret-a');

  it('decodes what it encodes, without reading the log', async () => {
    const e = event('800', 80);
    const decoded = await cursors.decode(noDb, cursors.encode(e), 7 * DAY, KNOWN, NOW);
    expect(decoded).toEqual({ tx: '800', seq: 80, createdAt: e.createdAt.getTime() });
  });

  it('refuses a cursor from another log, or signed with another secret', async () => {
    const c = new EventCursors('log-b', 'secret-a').encode(event('800', 80));
    expect(await codeOf(cursors.decode(noDb, c, 7 * DAY, KNOWN, NOW))).toEqual(['BAD_USER_INPUT', 'after']);
    const forged = new EventCursors('log-a', 'another-secret').encode(event('800', 80));
    expect(await codeOf(cursors.decode(noDb, forged, 7 * DAY, KNOWN, NOW))).toEqual(['BAD_USER_INPUT', 'after']);
  });

  it('refuses a cursor whose position was changed by hand', async () => {
    const parts = cursorParts(cursors.encode(event('800', 80))) as (string | number)[];
    parts[3] = 81;
    expect(await codeOf(cursors.decode(noDb, encodeCursor(parts), 7 * DAY, KNOWN, NOW))).toEqual(['BAD_USER_INPUT', 'after']);
  });

  it('refuses what is not an event cursor', async () => {
    for (const bad of ['', 'not a cursor', encodeCursor(['ev2', 'log-a']), encodeCursor(['ev9', 'log-a', '1', 1, NOW, 'x']), encodeCursor(['ev1', '1', 0, NOW])]) {
      expect(await codeOf(cursors.decode(noDb, bad, 7 * DAY, KNOWN, NOW))).toEqual(['BAD_USER_INPUT', 'after']);
    }
  });

  it('says CURSOR_EXPIRED past retention', async () => {
    const old = cursors.encode(event('800', 80, NOW - 8 * DAY));
    expect(await codeOf(cursors.decode(noDb, old, 7 * DAY, KNOWN, NOW))).toEqual(['CURSOR_EXPIRED', 'after']);
  });

  it('refuses a cursor stamped in the future beyond clock skew', async () => {
    const ahead = cursors.encode(event('800', 80, NOW + 60 * 60_000));
    expect(await codeOf(cursors.decode(noDb, ahead, 7 * DAY, KNOWN, NOW))).toEqual(['BAD_USER_INPUT', 'after']);
    const skewed = cursors.encode(event('800', 80, NOW + 60_000));
    expect(await cursors.decode(noDb, skewed, 7 * DAY, KNOWN, NOW)).toMatchObject({ tx: '800', seq: 80 });
  });

  it('signs other payloads per purpose: one kind of signature does not pass for another', () => {
    expect(cursors.sign('search', 'p')).toBe(cursors.sign('search', 'p'));
    expect(cursors.sign('search', 'p')).not.toBe(cursors.sign('other', 'p'));
    expect(cursors.sign('search', 'p')).not.toBe(new EventCursors('log-b', 'secret-a').sign('search', 'p'));
  });
});
