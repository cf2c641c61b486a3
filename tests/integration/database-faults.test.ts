import { sql } from 'drizzle-orm';
import { createApiKey } from '../../src/modules/auth/api-keys';
import { onRealPostgres } from '../support/db';
import { serveThroughProxy } from '../support/proxied-database';
import { publishSentinel, resultsBeforeSentinel } from '../support/sentinel';
import { gql, PUBLISH_TOKEN, type GraphQLResponse } from '../support/server';
import { elapse, metric, subscriptionsLive, until } from '../support/wait';
import { connectClient, subscribe } from '../support/ws-client';

const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
const PUBLISH = `mutation($md: String!, $slug: String!) { publishMarkdown(markdown: $md, slug: $slug) { added } }`;
const digest = (i: number) => `---\ntitle: Fault ${i}\ndate: 2026-11-${String(1 + (i % 28)).padStart(2, '0')}\n---\n\n## 今日焦點（Top Headlines）\n\n### Item ${i} survives\n\n**核心摘要**：Published while the database came and went.\n\n**重要性**：高\n`;

const readyz = async (url: string) => (await fetch(`${url}/readyz`)).status;

// Only a real server can go away: the embedded database lives inside the API process.
const describeOnPostgres = onRealPostgres ? describe : describe.skip;
const title = onRealPostgres ? 'database faults' : 'database faults [skipped: needs TEST_DATABASE_URL; the embedded database cannot go down]';

describeOnPostgres(title, () => {
  const ctx = serveThroughProxy({ pollIntervalMs: 500 }, { poolMax: 2, connectTimeoutMs: 1000, poolTimeoutMs: 500 });

  it('fails fast while the database is gone, reports not ready, recovers by itself, and loses no published item', async () => {
    const sub = subscribe<{ itemPublished: { item: { title: string } } }>(ctx.server.url, 'subscription { itemPublished { item { title } } }');
    await subscriptionsLive(ctx.server.url);
    const published: number[] = [];
    let failures = 0;
    let outage = false;
    // A publisher that retries what failed, like the CLI's callers should.
    const publisher = (async () => {
      for (let i = 0; i < 20; i++) {
        for (;;) {
          const res = await gql<{ publishMarkdown: { added: string[] } }>(ctx.server.url, PUBLISH, { md: digest(i), slug: `fault-${i}` }, auth).catch(() => null);
          if (res && !res.errors) break;
          failures++;
          // The client's retry pause (the behaviour of a well-behaved caller, not a wait for the database).
          await elapse(200);
        }
        published.push(i);
        // Five before the outage; the rest start once it has begun, so they meet it.
        if (i === 4) await until(() => outage, 'the outage', 60_000);
      }
    })();

    await until(async () => published.length >= 5, 'the first publishes');
    await ctx.proxy.down();
    outage = true;
    const started = Date.now();
    const res = await gql(ctx.server.url, '{ reports(first: 5) { edges { node { slug } } } }');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.status).toBe(503);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(res.errors![0]!.message).toBe('the database is unavailable or overloaded; retry shortly');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await readyz(ctx.server.url)).toBe(503);
    // The outage lasts until a publish has met it (a request can wait inside the driver for its
    // reconnect attempt before it fails; a fixed outage could end first on a busy machine).
    await until(async () => failures > 0, 'a publish to fail during the outage', 30_000);

    await ctx.proxy.up();
    await until(async () => (await readyz(ctx.server.url)) === 200, '/readyz to recover');
    await publisher;
    expect(failures).toBeGreaterThan(0);
    const got = await sub.waitFor(20, 20_000);
    const titles = got.map((g) => g.data!.itemPublished.item.title);
    expect(new Set(titles).size).toBe(20);
    const stored = await gql<{ items: { totalCount: number } }>(ctx.server.url, '{ items(first: 1) { totalCount } }');
    expect(stored.data!.items.totalCount).toBe(20);
    const sentinel = await publishSentinel(ctx.server.url);
    expect(await resultsBeforeSentinel(sub, sentinel)).toBe(20);
    await sub.dispose();
  }, 90_000);

  it('gives up a query that waits too long for a pool connection, instead of hanging', async () => {
    // Both connections of the pool busy for 6 s. The pool is idle first: a request of the test
    // before (or a readiness probe) still holding a slot would make a holder itself wait past the
    // 500 ms limit on a busy machine, and fail instead of holding.
    const inUse = async () => metric(ctx.server.url, 'digestql_db_pool_connections', 'state="in_use"');
    await until(async () => (await inUse()) === 0, 'the pool to be idle');
    const hold = Promise.all([ctx.database.db.execute(sql`SELECT pg_sleep(6)`), ctx.database.db.execute(sql`SELECT pg_sleep(6)`)]);
    await until(async () => (await inUse()) === 2, 'both pool connections to be busy');
    const started = Date.now();
    const res = await gql(ctx.server.url, '{ reports(first: 1) { edges { node { slug } } } }');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.errors![0]!.extensions!.code).toBe('DATABASE_UNAVAILABLE');
    const metrics = await (await fetch(`${ctx.server.url}/metrics`)).text();
    expect(metrics).toMatch(/^digestql_db_pool_connections\{state="in_use"\} 2$/m);
    await hold;
    expect((await gql(ctx.server.url, '{ reports(first: 1) { totalCount } }')).status).toBe(200);
  }, 30_000);
});

describeOnPostgres(onRealPostgres ? 'every caller while the database is gone' : title, () => {
  // Rate limits on, as in production: the charge is the first statement an anonymous or
  // PUBLISH_TOKEN operation runs, before any resolver.
  const ctx = serveThroughProxy({ rateLimits: { keyPerMinute: 600_000, anonymousPerMinute: 120_000 } }, { poolMax: 2, connectTimeoutMs: 1000, poolTimeoutMs: 500 });
  let readKey: string;
  beforeAll(async () => {
    readKey = (await createApiKey(ctx.testDb.db, { name: 'partner', scopes: ['read'] })).key;
  });

  it('answers HTTP 503 DATABASE_UNAVAILABLE with Retry-After to anonymous, keyed and PUBLISH_TOKEN callers, and closes WebSockets with the retryable 1013', async () => {
    const keyed = { authorization: `Bearer ${readKey}` };
    // Up: everyone is served (so what follows is the outage, not a setup fault).
    expect((await gql(ctx.server.url, '{ reports(first: 1) { totalCount } }')).status).toBe(200);
    expect((await gql(ctx.server.url, '{ reports(first: 1) { totalCount } }', {}, keyed)).status).toBe(200);
    // A keyed socket authenticated while the database was up: its subscribe meets the outage.
    const keyedSocket = connectClient(ctx.server.url, keyed);
    await keyedSocket.connected;
    const anonymousSocket = connectClient(ctx.server.url);
    await anonymousSocket.connected;

    await ctx.proxy.down();
    const calls = {
      anonymous: gql(ctx.server.url, '{ reports(first: 1) { totalCount } }'),
      'API key': gql(ctx.server.url, '{ reports(first: 1) { totalCount } }', {}, keyed),
      PUBLISH_TOKEN: gql(ctx.server.url, PUBLISH, { md: digest(99), slug: 'fault-down' }, auth),
    };
    const outcome = async (call: Promise<GraphQLResponse>) => {
      const res = await call;
      return { status: res.status, code: res.errors?.[0]?.extensions?.code, retryAfter: res.headers.get('retry-after') };
    };
    const unavailable = { status: 503, code: 'DATABASE_UNAVAILABLE', retryAfter: '1' };
    expect({
      anonymous: await outcome(calls.anonymous),
      'API key': await outcome(calls['API key']),
      PUBLISH_TOKEN: await outcome(calls.PUBLISH_TOKEN),
    }).toEqual({ anonymous: unavailable, 'API key': unavailable, PUBLISH_TOKEN: unavailable });

    const subscription = 'subscription { itemPublished { item { title } } }';
    const sink = { next: () => undefined, error: () => undefined, complete: () => undefined };
    anonymousSocket.client.subscribe({ query: subscription }, sink);
    keyedSocket.client.subscribe({ query: subscription }, sink);
    // A keyed socket that connects during the outage cannot have its key checked.
    const lateKeyed = subscribe(ctx.server.url, subscription, {}, keyed);
    // 1013 "try again later" (README close codes); graphql-ws clients retry it, where 4500 is fatal to them.
    expect({ anonymous: (await anonymousSocket.closed).code, keyed: (await keyedSocket.closed).code, lateKeyed: (await lateKeyed.closed).code }).toEqual({
      anonymous: 1013,
      keyed: 1013,
      lateKeyed: 1013,
    });
    await Promise.all([anonymousSocket.client.dispose(), keyedSocket.client.dispose(), lateKeyed.dispose()]);

    // Recovery after the outage is the first test's subject.
    await ctx.proxy.up();
  }, 60_000);
});
