import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/db/client';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db';
import { gql, PUBLISH_TOKEN, startTestServer, type TestServer } from '../support/server';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { sleep, subscribe } from '../support/ws-client';

const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
const PUBLISH = `mutation($md: String!, $slug: String!) { publishMarkdown(markdown: $md, slug: $slug) { added } }`;
const digest = (i: number) => `---\ntitle: Fault ${i}\ndate: 2026-11-${String(1 + (i % 28)).padStart(2, '0')}\n---\n\n## 今日焦點（Top Headlines）\n\n### Item ${i} survives\n\n**核心摘要**：Published while the database came and went.\n\n**重要性**：高\n`;

const readyz = async (url: string) => (await fetch(`${url}/readyz`)).status;
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// Only a real server can go away: the embedded database lives inside the API process.
const describeOnPostgres = onRealPostgres ? describe : describe.skip;
const title = onRealPostgres ? 'database faults' : 'database faults [skipped: needs TEST_DATABASE_URL; the embedded database cannot go down]';

describeOnPostgres(title, () => {
  let testDb: TestDatabase;
  let proxy: TcpProxy;
  let database: Database;
  let server: TestServer;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    const target = new URL(testDb.url!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(testDb.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    database = await openDatabase({ url: viaProxy.toString(), poolMax: 2, connectTimeoutMs: 1000, poolTimeoutMs: 500 });
    server = await startTestServer(database, { pollIntervalMs: 500 });
  });
  afterAll(async () => {
    await server?.close();
    await database?.close();
    await proxy?.close();
    await testDb?.dispose();
  });

  it('fails fast while the database is gone, reports not ready, recovers by itself, and loses no published item', async () => {
    const sub = subscribe<{ itemPublished: { item: { title: string } } }>(server.url, 'subscription { itemPublished { item { title } } }');
    await sleep(300);
    const published: number[] = [];
    let failures = 0;
    // A publisher that retries what failed, like the CLI's callers should.
    const publisher = (async () => {
      for (let i = 0; i < 20; i++) {
        for (;;) {
          const res = await gql<{ publishMarkdown: { added: string[] } }>(server.url, PUBLISH, { md: digest(i), slug: `fault-${i}` }, auth).catch(() => null);
          if (res && !res.errors) break;
          failures++;
          await sleep(200);
        }
        published.push(i);
        // Paced so the 20 publishes outlast the outage below: some of them must meet it.
        await sleep(400);
      }
    })();

    await until(async () => published.length >= 5, 'the first publishes');
    await proxy.down();
    const started = Date.now();
    const res = await gql(server.url, '{ reports(first: 5) { edges { node { slug } } } }');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.status).toBe(503);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(res.errors![0]!.message).toBe('the database is unavailable or overloaded; retry shortly');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await readyz(server.url)).toBe(503);
    await sleep(2000);

    await proxy.up();
    await until(async () => (await readyz(server.url)) === 200, '/readyz to recover');
    await publisher;
    expect(failures).toBeGreaterThan(0);
    const got = await sub.waitFor(20, 20_000);
    const titles = got.map((g) => g.data!.itemPublished.item.title);
    expect(new Set(titles).size).toBe(20);
    await sleep(500);
    expect(sub.results).toHaveLength(20);
    const stored = await gql<{ items: { totalCount: number } }>(server.url, '{ items(first: 1) { totalCount } }');
    expect(stored.data!.items.totalCount).toBe(20);
    await sub.dispose();
  }, 90_000);

  it('gives up a query that waits too long for a pool connection, instead of hanging', async () => {
    // Both connections of the pool busy for 3 s.
    const hold = Promise.all([database.db.execute(sql`SELECT pg_sleep(3)`), database.db.execute(sql`SELECT pg_sleep(3)`)]);
    await sleep(200);
    const started = Date.now();
    const res = await gql(server.url, '{ reports(first: 1) { edges { node { slug } } } }');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.errors![0]!.extensions!.code).toBe('DATABASE_UNAVAILABLE');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^digestql_db_pool_connections\{state="in_use"\} 2$/m);
    await hold;
    expect((await gql(server.url, '{ reports(first: 1) { totalCount } }')).status).toBe(200);
  }, 30_000);
});
