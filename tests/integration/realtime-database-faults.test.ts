import postgres from 'postgres';
import { onRealPostgres } from '../support/db';
import { store, syntheticReport } from '../support/fixtures';
import { serveThroughProxy } from '../support/proxied-database';
import { gql } from '../support/server';
import { elapse, until } from '../support/wait';
import { subscribe } from '../support/ws-client';

const SUBSCRIBERS = Number(process.env.FAULT_TEST_SUBSCRIBERS ?? 200);
const QUERY = `subscription($filter: ItemFilter, $after: String) { itemPublished(filter: $filter, after: $after) { cursor type item { id title entities { name } section { key } } } }`;
type Ev = { itemPublished: { cursor: string; item: { id: string } } };

/**
 * A partner's client: subscribes with its filter and, whenever the server closes the socket,
 * reconnects with the last cursor it got. Keeps every item it was given, and every close code.
 */
class ResumingSubscriber {
  readonly ids: string[] = [];
  readonly closes: number[] = [];
  readonly errors: unknown[] = [];
  private cursor: string | null = null;
  private stopped = false;
  private current: ReturnType<typeof subscribe<Ev>> | null = null;
  private seen = 0;
  private backoff = 250;
  readonly running: Promise<void>;

  constructor(
    private readonly url: string,
    readonly filter: Record<string, unknown>,
  ) {
    this.running = this.run();
  }

  /** Items received so far, including those of the connection still open. */
  get received(): string[] {
    return [...this.ids, ...(this.current?.results.slice(this.seen).map((r) => r.data?.itemPublished.item.id ?? 'error') ?? [])];
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const sub = (this.current = subscribe<Ev>(this.url, QUERY, { filter: this.filter, after: this.cursor }));
      this.seen = 0;
      const closed = await Promise.race([sub.closed, sub.done.then(() => null)]);
      for (const r of sub.results) {
        if (r.errors || !r.data) this.errors.push(r.errors);
        else {
          this.ids.push(r.data.itemPublished.item.id);
          this.cursor = r.data.itemPublished.cursor;
        }
      }
      this.current = null;
      if (closed) this.closes.push(closed.code);
      await sub.dispose();
      // Backing off as a client should: a thundering herd of resumes would keep the pool full.
      const got = sub.results.length > 0;
      this.backoff = got ? 250 : Math.min(this.backoff * 2, 4000);
      // (The client's own timer: a behaviour of the client, not a wait for the server.)
      if (!this.stopped) await elapse(this.backoff * (0.5 + Math.random()));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.dispose();
    await this.running;
  }
}

// Only a real server can go away: the embedded database lives inside the API process.
const describeOnPostgres = onRealPostgres ? describe : describe.skip;
const title = onRealPostgres ? 'subscribers while the database goes away' : 'subscribers while the database goes away [skipped: needs TEST_DATABASE_URL]';

describeOnPostgres(title, () => {
  let admin: postgres.Sql;
  let subs: ResumingSubscriber[] = [];
  let locker: postgres.ReservedSql | null = null;

  // Declared before the proxied server: hooks run in order, and these end before it does.
  afterAll(async () => {
    if (locker) {
      await locker`ROLLBACK`.catch(() => undefined);
      locker.release();
    }
    await ctx.proxy?.up().catch(() => undefined);
    await Promise.all(subs.map((s) => s.stop()));
    await admin?.end();
  });
  const ctx = serveThroughProxy({ pollIntervalMs: 500, subscriptionRetryMs: 500 }, { poolMax: 4, connectTimeoutMs: 1000, poolTimeoutMs: 1000 });
  beforeAll(() => {
    admin = postgres(ctx.testDb.url!, { max: 3, onnotice: () => undefined });
  });

  it(`loses no item for ${SUBSCRIBERS} distinct-filter subscribers when the database goes away mid-burst, and sends no error in place of one`, async () => {
    const sectionKeys = syntheticReport('keys', 3).sections.map((s) => s.key);
    const filters = Array.from({ length: SUBSCRIBERS }, (_, i): Record<string, unknown> => {
      const distinct = { from: new Date(Date.UTC(2000, 0, 1) + i * 1000).toISOString() };
      if (i % 3 === 0) return distinct;
      if (i % 3 === 1) return { ...distinct, entities: [`Entity ${i % 17}`] };
      return { ...distinct, sections: [sectionKeys[i % sectionKeys.length]!] };
    });
    subs = filters.map((f) => new ResumingSubscriber(ctx.server.url, f));
    await until(() => ctx.server.app.subscriptionGroups().members === SUBSCRIBERS, 'every subscriber to join', 60_000);
    expect(ctx.server.app.subscriptionGroups().groups).toBe(1);

    // A first burst while all is well.
    await store(ctx.testDb, syntheticReport('fault-burst-1', 30, '2026-05-01T00:00:00Z'));
    await until(() => subs[0]!.received.length === 30, 'the first burst', 60_000);

    // The second burst: its events are held back (an open transaction with an id) until the items
    // table is locked, so the group's execution is waiting on the database when it goes away.
    const holder = await admin.reserve();
    locker = await admin.reserve();
    await holder`BEGIN`;
    await holder`SELECT pg_current_xact_id()`;
    await store(ctx.testDb, syntheticReport('fault-burst-2', 30, '2026-05-02T00:00:00Z'));
    await locker`BEGIN`;
    await locker`LOCK TABLE items IN ACCESS EXCLUSIVE MODE`;
    await holder`COMMIT`;
    holder.release();
    await until(async () => {
      const [row] = await admin`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`;
      return row!.n > 0;
    }, 'the execution to wait on the database', 60_000);
    await ctx.proxy.down();
    // Every subscriber is closed with the documented resumable code once retrying gave up.
    await until(() => subs.every((s) => s.closes.includes(1013)), 'every subscriber to be closed with 1013', 30_000);
    await locker`ROLLBACK`;
    locker.release();
    locker = null;
    await ctx.proxy.up();

    // Resumed with their last cursors, each holds every item its filter matches, exactly once.
    const expectedFor = async (filter: Record<string, unknown>): Promise<string[]> => {
      let ids: string[] | null = null;
      await until(async () => {
        const res = await gql<{ items: { edges: { node: { id: string } }[] } }>(ctx.server.url, `query($filter: ItemFilter) { items(first: 100, filter: $filter) { edges { node { id } } } }`, { filter });
        ids = res.data?.items.edges.map((e) => e.node.id).sort() ?? null;
        return ids !== null;
      }, 'the items query to answer', 60_000);
      return ids!;
    };
    // Ten queries at a time: 200 one after the other took over a minute on a busy machine.
    const expected: string[][] = [];
    for (let i = 0; i < filters.length; i += 10) expected.push(...(await Promise.all(filters.slice(i, i + 10).map(expectedFor))));
    // 200 resumed subscriptions each replay from the log on their own (an `after` subscription does not
    // join a group): minutes on a busy machine. The detail tells slowness from a lost item.
    const behind = () => subs.filter((s, i) => s.received.length < expected[i]!.length).length;
    await until(() => behind() === 0, 'every subscriber to resume and catch up', 240_000, { detail: () => `(${behind()} of ${SUBSCRIBERS} still behind)` });
    await Promise.all(subs.map((s) => s.stop()));
    for (const [i, s] of subs.entries()) {
      expect(s.errors).toEqual([]);
      expect([i, [...s.ids].sort()]).toEqual([i, expected[i]]);
    }
    // Each step above waits for a fact with its own bound; this one only stops a run that hangs.
  }, 600_000);
});
