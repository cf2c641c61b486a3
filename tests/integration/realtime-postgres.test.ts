import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { cursorSeq } from '../support/cursors';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db';
import { exampleReport, store, syntheticReport } from '../support/fixtures';
import { startServeProcess, type ServeProcess } from '../support/cli';
import { gql, PUBLISH_TOKEN, startTestServer, type TestServer } from '../support/server';
import { publishSentinel, resultsBeforeSentinel } from '../support/sentinel';
import { subscriptionsLive, until } from '../support/wait';
import { subscribe } from '../support/ws-client';

const SUB = `subscription($filter: ItemFilter, $after: String) { itemPublished(filter: $filter, after: $after) { cursor type item { id title } } }`;
type Ev = { itemPublished: { cursor: string; type: string; item: { id: string; title: string } } };

/** These need a real server: other connections, other processes, killed backends. */
const describeOnPostgres = onRealPostgres
  ? describe
  : (name: string, fn: () => void) => describe.skip(`${name} [skipped: needs TEST_DATABASE_URL (a real Postgres server); PGlite is one in-process connection]`, fn);

describeOnPostgres('realtime on a real Postgres server', () => {
  let db: TestDatabase;
  let server: TestServer;
  beforeEach(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db);
  });
  afterEach(async () => {
    await server.close();
    await db.dispose();
  });

  it('never skips a transaction that took its sequence early and committed late', async () => {
    const all = subscribe<Ev>(server.url, SUB, {});
    await subscriptionsLive(server.url);
    const held = postgres(db.url!, { max: 1, onnotice: () => undefined });
    const reserved = await held.reserve();
    await reserved`BEGIN`;
    // Takes a transaction id and a sequence number now, commits only at the end of the test.
    const [late] = await reserved`
      INSERT INTO events (type, report_id, item_id, facts)
      VALUES ('ITEM_PUBLISHED', ${randomUUID()}, ${randomUUID()},
              ${held.json({ reportSlug: 'late', sectionKey: 'top-headlines', importanceRank: 3, tagKeys: [], entityKeys: [], publishedAt: new Date().toISOString(), title: 'Late commit' })})
      RETURNING seq`;
    const result = await store(db, exampleReport('2026-11-20-ai-intel'));
    expect(result.eventCount).toBe(7);
    // The later transaction has committed, but it sorts after the open one: nothing may pass it.
    // The hub has heard of its events and read the log again since (it retries while an announced
    // event is not readable): had it passed the open transaction, its events would now come
    // before 'Late commit', and the order checked below would fail.
    await until(() => server.hub.stats().notifiedSeq > Number(late!.seq), 'the hub to hear of the committed events');
    const readsFrom = db.statements.count;
    await until(() => db.statements.count >= readsFrom + 3, 'the hub to read the log again');
    expect(all.results).toHaveLength(0);
    await reserved`COMMIT`;
    reserved.release();
    await held.end();
    const got = await all.waitFor(7);
    expect(got[0]!.data!.itemPublished.item.title).toBe('Late commit');
    expect(got.slice(1).map((r) => r.data!.itemPublished.item.title)).toEqual(
      exampleReport('2026-11-20-ai-intel').sections.flatMap((s) => s.items).map((i) => i.title),
    );
    expect(Number(late!.seq)).toBeLessThan(cursorSeq(got[1]!.data!.itemPublished.cursor));
    const sentinel = await publishSentinel(server.url);
    expect(await resultsBeforeSentinel(all, sentinel)).toBe(7);
    await all.dispose();
  });

  it('catches up after its LISTEN connection is killed: all 20 items, once each', async () => {
    // No polling to fall back on: only the reconnected listener can deliver.
    const quiet = await startTestServer(db, { pollIntervalMs: 600_000 });
    const all = subscribe<Ev>(quiet.url, SUB, {});
    await subscriptionsLive(quiet.url);
    const admin = postgres(db.url!, { max: 1, onnotice: () => undefined });
    const killed = admin`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'listen%'`;
    // Kill the listener while the items are being published.
    const [kills] = await Promise.all([killed, store(db, syntheticReport('twenty', 20, '2026-02-01T00:00:00Z'))]);
    expect(kills.length).toBeGreaterThanOrEqual(1);
    await admin.end();
    const got = await all.waitFor(20, 15_000);
    expect(new Set(got.map((r) => r.data!.itemPublished.item.id)).size).toBe(20);
    // And it listens again: the next publish arrives by NOTIFY on the new connection, right after the 20 (none twice).
    const oneMore = await publishSentinel(quiet.url);
    expect(await resultsBeforeSentinel(all, oneMore, 5000)).toBe(20);
    expect(quiet.hub.stats().listening).toBe(true);
    await all.dispose();
    await quiet.close();
  });

  describe('two server processes on one database', () => {
    let other: ServeProcess;
    beforeEach(async () => {
      other = await startServeProcess({ DATABASE_URL: db.url!, PUBLISH_TOKEN, EVENT_POLL_INTERVAL_MS: '5000' });
    });
    afterEach(async () => {
      await other.stop();
    });

    it('a publish through A reaches a subscriber on B within 1 s', async () => {
      const onB = subscribe<Ev>(other.url, SUB, { filter: { minImportance: 'HIGH' } });
      await subscriptionsLive(other.url);
      const started = Date.now();
      const res = await gql(server.url, 'mutation($input: ReportInput!) { publishReport(input: $input) { added } }', {
        input: { slug: 'multi', title: 'Multi', date: '2026-11-22', sections: [{ title: 'Top Headlines', items: [{ title: 'Across instances', importance: 'HIGH' }] }] },
      }, { authorization: `Bearer ${PUBLISH_TOKEN}` });
      expect(res.errors).toBeUndefined();
      const [ev] = await onB.waitFor(1, 5000);
      // The other process polls only every 5 s: arriving within 1 s proves NOTIFY carried it.
      expect(Date.now() - started).toBeLessThan(1000);
      expect(ev!.data!.itemPublished.item.title).toBe('Across instances');
      await onB.dispose();
    });
  });
});
