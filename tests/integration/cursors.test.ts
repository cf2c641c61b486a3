import { createHmac, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { rowsOf } from '../../src/db/migrations';
import { cursorParts } from '../../src/modules/pagination/cursor';
import { exampleReport, store } from '../support/fixtures';
import { gql, serveTestDatabase } from '../support/server';
import { until } from '../support/wait';
import { subscribe, type Received } from '../support/ws-client';
import { onRealPostgres, type TestDatabase } from '../support/db';

const SUB = `subscription($after: String) { itemPublished(after: $after) { cursor item { title } } }`;
type Ev = { itemPublished: { cursor: string; item: { title: string } } };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const DAY = 86_400_000;

/** The log's first event, as a cursor of the first format (unsigned, as servers before 0007 wrote them). */
async function firstEventV1(db: TestDatabase): Promise<string> {
  const [e] = rowsOf<{ tx: string; seq: number; at: number }>(
    await db.db.execute(sql`SELECT tx::text AS tx, seq::int AS seq, floor(extract(epoch FROM created_at) * 1000)::float8 AS at FROM events ORDER BY tx, seq LIMIT 1`),
  );
  return b64(['ev1', e!.tx, e!.seq, e!.at]);
}

/** A cursor signed with the database's own secret (what only someone holding it could make). */
async function signed(db: TestDatabase, tx: string, seq: number, createdAt: number): Promise<string> {
  const [row] = rowsOf<{ log_id: string; secret: string }>(await db.db.execute(sql`SELECT log_id::text, secret FROM event_log`));
  const mac = createHmac('sha256', row!.secret).update(`${row!.log_id}.${tx}.${seq}.${createdAt}`).digest('base64url').slice(0, 22);
  return b64(['ev2', row!.log_id, tx, seq, createdAt, mac]);
}

/** Subscribes with `after` and returns what the server answered first (an error for a refused cursor). */
async function firstAnswer(url: string, after: string): Promise<Received<Ev>> {
  const s = subscribe<Ev>(url, SUB, { after });
  try {
    const [r] = await s.waitFor(1);
    return r!;
  } finally {
    await s.dispose();
  }
}

describe('event cursors are bound to their log', () => {
  const a = serveTestDatabase({ seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });
  const b = serveTestDatabase({ seed: (db) => store(db, exampleReport('2026-11-21-ai-digest-en')) });
  const items = exampleReport('2026-11-20-ai-intel').sections.flatMap((s) => s.items).length;

  it('resumes from an old (unsigned) cursor of this log and from the signed cursors it now sends', async () => {
    const fromOld = subscribe<Ev>(a.server.url, SUB, { after: await firstEventV1(a.db) });
    const replayed = await fromOld.waitFor(items - 1);
    await fromOld.dispose();
    expect(cursorParts(replayed[0]!.data!.itemPublished.cursor)![0]).toBe('ev2');
    const fromNew = subscribe<Ev>(a.server.url, SUB, { after: replayed[0]!.data!.itemPublished.cursor });
    const rest = await fromNew.waitFor(items - 2);
    await fromNew.dispose();
    expect(rest.map((r) => r.data!.itemPublished.item.title)).toEqual(replayed.slice(1).map((r) => r.data!.itemPublished.item.title));
  });

  it('refuses malformed, forged, foreign and future cursors with BAD_USER_INPUT on argument after', async () => {
    const own = (await firstAnswer(a.server.url, await firstEventV1(a.db))).data!.itemPublished.cursor;
    const foreign = (await firstAnswer(b.server.url, await firstEventV1(b.db))).data!.itemPublished.cursor;
    const [, logId, tx, seq, createdAt, mac] = cursorParts(own) as [string, string, string, number, number, string];
    const now = Date.now();
    const refused: [string, string, RegExp][] = [
      ['garbage', 'garbage', /not an event cursor/],
      ['a JSON object', b64({ tx, seq }), /not an event cursor/],
      ['a fractional sequence', b64(['ev2', logId, tx, seq + 0.5, createdAt, mac]), /not an event cursor/],
      ['a fractional legacy sequence', b64(['ev1', tx, 1.5, now]), /not an event cursor/],
      ['a negative sequence', b64(['ev1', tx, -1, now]), /not an event cursor/],
      ['a transaction id beyond 64 bits', b64(['ev1', '99999999999999999999', 1, now]), /not an event cursor/],
      ['a sequence beyond the head, same signature', b64(['ev2', logId, tx, seq + 1000, createdAt, mac]), /signature does not match/],
      ['position 0, freshly dated (legacy form)', b64(['ev1', '0', 0, now]), /not an event cursor|names no event/],
      ['position 1 of no transaction (legacy form)', b64(['ev1', '1', 1, now]), /names no event/],
      ['a legacy cursor beyond the head', b64(['ev1', '99999999', 99_999, now]), /ahead of this event log/],
      ['another database\'s cursor', foreign, /another event log/],
      ['a validly signed cursor beyond the head (a restored database)', await signed(a.db, String(BigInt(tx) + 1000n), seq + 1000, now), /ahead of this event log/],
      ['a cursor from the future', await signed(a.db, tx, seq, now + 2 * DAY), /ahead of this event log/],
    ];
    for (const [what, after, message] of refused) {
      const r = await firstAnswer(a.server.url, after);
      expect({ what, error: r.errors?.[0] }).toMatchObject({ what, error: { extensions: { code: 'BAD_USER_INPUT', argument: 'after' }, message: expect.stringMatching(message) } });
    }
  });

  it('still answers CURSOR_EXPIRED for a cursor older than retention, signed or not', async () => {
    const [, , tx, seq] = cursorParts((await firstAnswer(a.server.url, await firstEventV1(a.db))).data!.itemPublished.cursor) as [string, string, string, number];
    const old = Date.now() - 40 * DAY;
    for (const after of [await signed(a.db, tx, seq, old), b64(['ev1', tx, seq, old])]) {
      const r = await firstAnswer(a.server.url, after);
      expect(r.errors![0]).toMatchObject({ extensions: { code: 'CURSOR_EXPIRED', argument: 'after' } });
    }
  });

  it('judges an unsigned legacy cursor by its event\'s time in the log, not the time it claims', async () => {
    const db = a.db;
    const [first] = rowsOf<{ tx: string; seq: number }>(await db.db.execute(sql`SELECT tx::text AS tx, seq::int AS seq FROM events ORDER BY tx, seq LIMIT 1`));
    const fresh = b64(['ev1', first!.tx, first!.seq, Date.now()]);
    expect((await firstAnswer(a.server.url, fresh)).errors).toBeUndefined();
    // The event is now past retention (not purged yet); the cursor still claims it was written just now.
    await db.db.execute(sql`UPDATE events SET created_at = now() - interval '40 days' WHERE seq = ${first!.seq}`);
    const r = await firstAnswer(a.server.url, fresh);
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'CURSOR_EXPIRED', argument: 'after' } });
  });
});

(onRealPostgres ? describe : describe.skip)('event cursors while an older transaction runs', () => {
  const ctx = serveTestDatabase({ seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });

  it('accepts a cursor of a committed event the final head has not reached yet', async () => {
    // An open transaction that took an xid holds the snapshot's xmin: later events are committed but not final.
    const blocker = postgres(ctx.db.url!, { max: 1, onnotice: () => undefined });
    const reserved = await blocker.reserve();
    await reserved.unsafe('BEGIN');
    await reserved.unsafe('SELECT pg_current_xact_id()');
    try {
      await store(ctx.db, exampleReport('2026-11-21-ai-digest-en'));
      const [last] = rowsOf<{ tx: string; seq: number; at: number }>(
        await ctx.db.db.execute(sql`SELECT tx::text AS tx, seq::int AS seq, floor(extract(epoch FROM created_at) * 1000)::float8 AS at FROM events ORDER BY tx DESC, seq DESC LIMIT 1`),
      );
      const readers = ctx.server.hub.stats().readers;
      const s = subscribe<Ev>(ctx.server.url, SUB, { after: await signed(ctx.db, last!.tx, last!.seq, last!.at) });
      // Decided while the older transaction still runs: refused (an answer), or reading the log.
      await until(() => s.results.length > 0 || ctx.server.hub.stats().readers > readers, 'the cursor to be checked');
      expect(s.results[0]?.errors).toBeUndefined();
      await reserved.unsafe('COMMIT');
      await store(ctx.db, { ...exampleReport('2026-11-20-ai-intel'), slug: 'after-the-blocker' });
      const got = await s.waitFor(1, 20_000);
      await s.dispose();
      expect(got[0]!.errors).toBeUndefined();
    } finally {
      reserved.release();
      await blocker.end();
    }
  });
});

describe('pagination cursors', () => {
  const ctx = serveTestDatabase({ seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });
  const id = randomUUID();
  const at = '2026-11-20T00:00:00.000Z';
  const garbage = [
    'garbage',
    b64(null),
    b64([at, 1, id, 'extra']),
    b64([at, 1.5, id]),
    b64([at, -1, id]),
    b64([at, 1e300, id]),
    b64([at, 2 ** 40, id]),
    b64(['-271821-04-20T00:00:00.000Z', 1, id]),
    b64(['+275760-09-13T00:00:00.000Z', 1, id]),
    b64(['2026-11-20', 1, id]),
    b64([at, 1, 'not-a-uuid']),
  ];
  const reportGarbage = ['garbage', b64([at, 1]), b64(['-271821-04-20T00:00:00.000Z', id]), b64(['+275760-09-13T00:00:00.000Z', id]), b64([at, 'x'])];

  it.each([
    ...garbage.map((c) => ['items', `{ items(after: ${JSON.stringify(c)}) { edges { cursor } } }`] as const),
    ...garbage.map((c) => ['entity items', `{ entity(name: "RLVR") { items(after: ${JSON.stringify(c)}) { edges { cursor } } } }`] as const),
    ...reportGarbage.map((c) => ['reports', `{ reports(after: ${JSON.stringify(c)}) { edges { cursor } } }`] as const),
  ])('%s refuses a forged or garbage cursor with BAD_USER_INPUT: %s', async (_list, query) => {
    const res = await gql(ctx.server.url, query);
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
  });

  it('pages through with the cursors it returns', async () => {
    const first = await gql<{ items: { edges: { cursor: string }[]; pageInfo: { endCursor: string } } }>(ctx.server.url, '{ items(first: 2) { edges { cursor } pageInfo { endCursor } } }');
    const next = await gql<{ items: { edges: { cursor: string }[] } }>(ctx.server.url, 'query($a: String) { items(first: 2, after: $a) { edges { cursor } } }', { a: first.data!.items.pageInfo.endCursor });
    expect(next.errors).toBeUndefined();
    expect(next.data!.items.edges).toHaveLength(2);
    expect(next.data!.items.edges[0]!.cursor).not.toBe(first.data!.items.edges[1]!.cursor);
  });
});
