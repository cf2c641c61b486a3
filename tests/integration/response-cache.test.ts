import { createApiKey, revokeApiKey } from '../../src/modules/auth/api-keys';
import { gt, max } from 'drizzle-orm';
import { events } from '../../src/db/tables';
import type { TestDatabase } from '../support/db';
import { onRealPostgres } from '../support/db';
import { plainItem, reportOf, store } from '../support/fixtures';
import { FULL_REPORT_PAGE } from '../support/queries';
import { PUBLISH_TOKEN, gql, serveTestDatabase, startTestServer, type TestServer } from '../support/server';
import { metric, subscriptionsLive, until } from '../support/wait';
import { subscribe } from '../support/ws-client';
import { aliasEntity, removeEntityAlias } from '../../src/modules/entities/entity-aliases.service';
import { startServeProcess } from '../support/cli';

const CACHE = { responseCacheBytes: 4 * 1024 * 1024 };
const REPORT = 'query($slug: String!) { report(slug: $slug) { slug title sections { items { id title } } } }';
const ITEM = 'query($id: ID!) { item(id: $id) { id title } }';
const REPORTS = '{ reports(first: 10) { edges { node { slug } } } }';
const ITEMS = '{ items(first: 50) { totalCount edges { node { title } } } }';

const dayOne = (titles: string[], draft = false) => reportOf('day-1', '2026-01-01', titles.map((t, i) => plainItem(i + 1, t)), draft);
const dayTwo = () => reportOf('day-2', '2026-01-02', [plainItem(1, 'two alone')]);

/** POSTs and returns the raw bytes with the headers: what the cache is judged on. */
async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function get(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const params = new URLSearchParams({ query, variables: JSON.stringify(variables) });
  const res = await fetch(`${url}/graphql?${params}`, { headers: { 'apollo-require-preflight': 'true', ...headers } });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/**
 * Resolves once the server's hub has read every event committed so far (and so invalidated what
 * they touch). The newest committed seq, not the log's readable head: a transaction running
 * elsewhere in the cluster holds the head back, and the hub has not read the new event then.
 */
async function newestSeq(db: TestDatabase): Promise<number> {
  const [row] = await db.db.select({ seq: max(events.seq) }).from(events);
  return Number(row?.seq ?? 0);
}

async function hubCaughtUp(db: TestDatabase, server: TestServer): Promise<void> {
  const seq = await newestSeq(db);
  await until(() => server.hub.stats().position.seq >= seq, `the hub to read event ${seq}`);
}

/** Reads `query` until it is a cache hit; returns its bytes. */
async function cached(url: string, query: string, variables: Record<string, unknown> = {}): Promise<string> {
  const first = await post(url, query, variables);
  const again = await post(url, query, variables);
  expect(again.headers.get('x-response-cache')).toBe('hit');
  expect(again.text).toBe(first.text);
  return again.text;
}

describe('response cache', () => {
  const ctx = serveTestDatabase({ ...CACHE, getCacheMaxAge: 0, seed: async (db) => { await store(db, dayOne(['first', 'second'])); await store(db, dayTwo()); } });

  it('answers a hit with the very bytes and ETag of the miss', async () => {
    const miss = await post(ctx.server.url, FULL_REPORT_PAGE, { slug: 'day-1' });
    const hit = await post(ctx.server.url, FULL_REPORT_PAGE, { slug: 'day-1' });
    expect(miss.status).toBe(200);
    expect(JSON.parse(miss.text).data.report.slug).toBe('day-1');
    expect([miss.headers.get('x-response-cache'), hit.headers.get('x-response-cache')]).toEqual(['miss', 'hit']);
    expect(hit.text).toBe(miss.text);
    expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'));
    expect(miss.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    // The same operation written otherwise, by GET, with the variables in another order: one entry.
    const spaced = FULL_REPORT_PAGE.replace(/\s+/g, '  ');
    const byGet = await get(ctx.server.url, spaced, { slug: 'day-1' });
    expect(byGet.headers.get('x-response-cache')).toBe('hit');
    expect(byGet.text).toBe(miss.text);
    expect((await metric(ctx.server.url, 'digestql_response_cache_hits_total')) ?? 0).toBeGreaterThanOrEqual(2);
    expect((await metric(ctx.server.url, 'digestql_response_cache_misses_total')) ?? 0).toBeGreaterThanOrEqual(1);
    expect((await metric(ctx.server.url, 'digestql_response_cache_bytes')) ?? 0).toBeGreaterThan(miss.text.length);
  });

  it('answers a held read before Apollo: no SQL statement and no execution, with the headers of the executed answer', async () => {
    const url = ctx.server.url;
    const ONE = 'query One($slug: String!) { report(slug: $slug) { slug title sections { title items { title importance sources { url } } } } }';
    const miss = await post(url, ONE, { slug: 'day-1' });
    expect(miss.headers.get('x-response-cache')).toBe('miss');
    const before = ctx.db.statements.count;
    const hits = [];
    for (let i = 0; i < 20; i++) hits.push(await post(url, ONE, { slug: 'day-1' }));
    // Executed, each read takes several statements (report, sections, items, sources): 20 hits take none
    // (what the hub may poll meanwhile is well under one per hit).
    expect(ctx.db.statements.count - before).toBeLessThan(20);
    for (const hit of hits) {
      expect(hit.headers.get('x-response-cache')).toBe('hit');
      expect(hit.text).toBe(miss.text);
    }
    const names = (h: Headers) => [...h.keys()].filter((k) => k !== 'x-request-id').sort();
    expect(names(hits[0]!.headers)).toEqual(names(miss.headers));
    expect(hits[0]!.headers.get('content-type')).toBe(miss.headers.get('content-type'));
    expect(hits[0]!.headers.get('etag')).toBe(miss.headers.get('etag'));
    // A GET of the same text: its own headers (cache-control, vary) on the held bytes.
    const byGet = await get(url, ONE, { slug: 'day-1' });
    const againByGet = await get(url, ONE, { slug: 'day-1' });
    expect(againByGet.headers.get('x-response-cache')).toBe('hit');
    expect(names(againByGet.headers)).toEqual(names(byGet.headers));
    expect(againByGet.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
    expect(againByGet.text).toBe(miss.text);
  });

  it('a held read is still refused where Apollo refuses it: a GET without a preflight header (CSRF), a changed variable, a credential that is no longer valid', async () => {
    const url = ctx.server.url;
    await cached(url, REPORT, { slug: 'day-2' });
    await get(url, REPORT, { slug: 'day-2' });
    expect((await get(url, REPORT, { slug: 'day-2' })).headers.get('x-response-cache')).toBe('hit');
    const params = new URLSearchParams({ query: REPORT, variables: JSON.stringify({ slug: 'day-2' }) });
    const simple = await fetch(`${url}/graphql?${params}`);
    expect(simple.status).toBe(400);
    expect(await simple.text()).toMatch(/CSRF|preflight/i);
    const other = await post(url, REPORT, { slug: 'day-1' });
    expect(JSON.parse(other.text).data.report.slug).toBe('day-1');
    const { key, record } = await createApiKey(ctx.db.db, { name: 'soon revoked', scopes: ['read'] });
    const withKey = async () => post(url, REPORT, { slug: 'day-2' }, { authorization: `Bearer ${key}` });
    await withKey();
    expect((await withKey()).headers.get('x-response-cache')).toBe('hit');
    await revokeApiKey(ctx.db.db, record.id);
    const revoked = await withKey();
    expect(revoked.status).toBe(401);
    expect(revoked.text).not.toContain('two alone');
  });

  it('keeps each DateTime variable value apart', async () => {
    const UNTIL = 'query($t: DateTime) { items(first: 1, filter: { to: $t }) { totalCount } }';
    const late = await post(ctx.server.url, UNTIL, { t: '2026-01-03T00:00:00Z' });
    const early = await post(ctx.server.url, UNTIL, { t: '2026-01-01T12:00:00Z' });
    expect(early.headers.get('x-response-cache')).toBe('miss');
    expect(JSON.parse(early.text).data.items.totalCount).toBeLessThan(JSON.parse(late.text).data.items.totalCount);
  });

  it('answers a held read in the content type Apollo chose for its Accept, and refuses what Apollo refuses (406, a POST without JSON)', async () => {
    const url = ctx.server.url;
    const graphqlJson = { accept: 'application/graphql-response+json' };
    const miss = await post(url, REPORTS, {}, graphqlJson);
    const hit = await post(url, REPORTS, {}, graphqlJson);
    expect(hit.headers.get('x-response-cache')).toBe('hit');
    expect(hit.headers.get('content-type')).toBe(miss.headers.get('content-type'));
    expect(hit.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    await cached(url, REPORTS);
    expect((await post(url, REPORTS, {}, { accept: 'image/png' })).status).toBe(406);
    // The same text as a "simple" POST a browser sends cross-site without asking: Apollo's CSRF refusal.
    const simple = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain; charset=application/json' }, body: JSON.stringify({ query: REPORTS, variables: {} }) });
    expect(simple.status).toBe(400);
    expect(simple.headers.get('x-response-cache')).toBeNull();
  });

  it('a mutation that failed in part still clears the cache (its other fields may have committed)', async () => {
    const { key } = await createApiKey(ctx.db.db, { name: 'cache admin', scopes: ['admin'] });
    await cached(ctx.server.url, REPORTS);
    const res = await gql(
      ctx.server.url,
      'mutation { made: createApiKey(input: { name: "made in a failed mutation", scopes: [READ] }) { key } gone: revokeApiKey(id: "00000000-0000-0000-0000-000000000000") { id } }',
      {},
      { authorization: `Bearer ${key}` },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await post(ctx.server.url, REPORTS)).headers.get('x-response-cache')).toBe('miss');
  });

  it('answers 304 to a matching If-None-Match, by GET and POST, hit or miss, and revalidation is asked of anonymous GETs', async () => {
    const first = await get(ctx.server.url, REPORT, { slug: 'day-2' });
    const etag = first.headers.get('etag')!;
    expect(first.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
    const notModified = await get(ctx.server.url, REPORT, { slug: 'day-2' }, { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
    expect(notModified.headers.get('etag')).toBe(etag);
    expect((await post(ctx.server.url, REPORT, { slug: 'day-2' }, { 'if-none-match': `"other", ${etag}` })).status).toBe(304);
    expect((await post(ctx.server.url, REPORT, { slug: 'day-2' }, { 'if-none-match': '"other"' })).status).toBe(200);
    // A miss whose fresh bytes are what the client holds is a 304 too.
    const bare = await startTestServer(ctx.db, { responseCacheBytes: 0 });
    try {
      const fresh = await post(bare.url, REPORT, { slug: 'day-2' }, { 'if-none-match': etag });
      expect(fresh.status).toBe(304);
      expect(fresh.headers.get('x-response-cache')).toBeNull();
    } finally {
      await bare.close();
    }
    // Keyed: private, and never a public cache's.
    const { key } = await createApiKey(ctx.db.db, { name: 'reader', scopes: ['read'] });
    expect((await get(ctx.server.url, REPORT, { slug: 'day-2' }, { authorization: `Bearer ${key}` })).headers.get('cache-control')).toBe('private, no-store');
  });

  it('invalidates by every kind of event, exactly: published, updated, removed, report published, draft published and withdrawn', async () => {
    const url = ctx.server.url;
    const read = async (query: string, variables: Record<string, unknown> = {}) => {
      const r = await post(url, query, variables);
      return { cache: r.headers.get('x-response-cache'), data: JSON.parse(r.text).data };
    };
    const firstId = (await read(REPORT, { slug: 'day-1' })).data.report.sections[0].items[0].id as string;
    await cached(url, REPORT, { slug: 'day-1' });
    await cached(url, REPORT, { slug: 'day-2' });
    await cached(url, ITEM, { id: firstId });
    await cached(url, ITEMS);
    await cached(url, REPORTS);
    await cached(url, REPORT, { slug: 'day-3' }); // null now: cached as null

    // ITEM_PUBLISHED (and REPORT_PUBLISHED) on day-1: day-1 and every list go; day-2 and the untouched item stay.
    await store(ctx.db, dayOne(['first', 'second', 'third']));
    await hubCaughtUp(ctx.db, ctx.server);
    expect(await read(REPORT, { slug: 'day-1' })).toMatchObject({ cache: 'miss', data: { report: { sections: [{ items: [{}, {}, { title: 'third' }] }] } } });
    expect((await read(ITEMS)).data.items.totalCount).toBe(4);
    expect((await read(REPORT, { slug: 'day-2' })).cache).toBe('hit');
    expect((await read(ITEM, { id: firstId })).cache).toBe('hit');

    // ITEM_UPDATED: an item's own entry goes.
    await cached(url, REPORT, { slug: 'day-1' });
    await store(ctx.db, { ...dayOne(['first', 'second', 'third']), sections: dayOne(['first', 'second', 'third']).sections.map((s) => ({ ...s, items: s.items.map((i) => (i.title === 'first' ? { ...i, summary: 'now summarised' } : i)) })) });
    await hubCaughtUp(ctx.db, ctx.server);
    expect(await read(ITEM, { id: firstId })).toMatchObject({ cache: 'miss', data: { item: { id: firstId, title: 'first' } } });
    expect((await read(REPORT, { slug: 'day-1' })).cache).toBe('miss');
    expect((await read(REPORT, { slug: 'day-2' })).cache).toBe('hit');

    // ITEM_REMOVED: the removed item's entry goes.
    await cached(url, ITEM, { id: firstId });
    await store(ctx.db, dayOne(['second', 'third']));
    await hubCaughtUp(ctx.db, ctx.server);
    expect((await read(ITEM, { id: firstId })).cache).toBe('miss');
    expect((await read(ITEMS)).data.items.totalCount).toBe(3);

    // REPORT_PUBLISHED of a new slug: its own (null) entry and the lists go.
    await cached(url, REPORTS);
    await store(ctx.db, reportOf('day-3', '2026-01-03', [plainItem(1, 'three')]));
    await hubCaughtUp(ctx.db, ctx.server);
    expect((await read(REPORT, { slug: 'day-3' })).data.report.slug).toBe('day-3');
    expect((await read(REPORTS)).data.reports.edges.map((e: { node: { slug: string } }) => e.node.slug)).toContain('day-3');

    // A draft is silent (and not served); publishing it announces it.
    await cached(url, REPORT, { slug: 'day-4' });
    await store(ctx.db, reportOf('day-4', '2026-01-04', [plainItem(1, 'four')], true));
    await hubCaughtUp(ctx.db, ctx.server);
    expect(await read(REPORT, { slug: 'day-4' })).toMatchObject({ cache: 'hit', data: { report: null } });
    await store(ctx.db, reportOf('day-4', '2026-01-04', [plainItem(1, 'four')]));
    await hubCaughtUp(ctx.db, ctx.server);
    expect(await read(REPORT, { slug: 'day-4' })).toMatchObject({ cache: 'miss', data: { report: { slug: 'day-4' } } });

    // Withdrawn (published again as a draft): its items are removed, its entry goes.
    await cached(url, REPORT, { slug: 'day-4' });
    await store(ctx.db, reportOf('day-4', '2026-01-04', [plainItem(1, 'four')], true));
    await hubCaughtUp(ctx.db, ctx.server);
    expect(await read(REPORT, { slug: 'day-4' })).toMatchObject({ cache: 'miss', data: { report: null } });
    expect((await metric(url, 'digestql_response_cache_invalidations_total')) ?? 0).toBeGreaterThan(0);
  });

  it('a re-publish that changes only the report itself (title, intro, section text) is announced and read fresh; the same re-publish again is silent', async () => {
    const url = ctx.server.url;
    const SHOWN = 'query($slug: String!) { report(slug: $slug) { slug title intro sections { title prose body items { title } } } }';
    const LATEST = '{ latestReport { slug title } }';
    const LIST = '{ reports(first: 10) { edges { node { slug title } } } }';
    const original = reportOf('day-5', '2026-01-05', [plainItem(1, 'five')]);
    await store(ctx.db, original);
    await hubCaughtUp(ctx.db, ctx.server);
    const was = JSON.parse(await cached(url, SHOWN, { slug: 'day-5' })).data.report;
    expect(JSON.parse(await cached(url, LATEST)).data.latestReport).toEqual({ slug: 'day-5', title: original.title });
    await cached(url, LIST);

    const retitled: typeof original = {
      ...original,
      title: 'Day five, retitled',
      intro: 'A new intro.',
      sections: original.sections.map((s) => ({ ...s, title: `${s.title} (renamed)`, body: 'New section text.' })),
    };
    const seqBefore = await newestSeq(ctx.db);
    const result = await store(ctx.db, retitled);
    expect(result).toMatchObject({ added: [], updated: [], removed: [], eventCount: 1 });
    const written = await ctx.db.db.select({ type: events.type }).from(events).where(gt(events.seq, seqBefore));
    expect(written.map((e) => e.type)).toEqual(['REPORT_PUBLISHED']);
    await hubCaughtUp(ctx.db, ctx.server);

    const now = await post(url, SHOWN, { slug: 'day-5' });
    expect(now.headers.get('x-response-cache')).toBe('miss');
    expect(JSON.parse(now.text).data.report).toEqual({
      ...was,
      title: 'Day five, retitled',
      intro: 'A new intro.',
      sections: was.sections.map((s: { title: string }) => ({ ...s, title: `${s.title} (renamed)`, body: 'New section text.' })),
    });
    expect(JSON.parse((await post(url, LATEST)).text).data.latestReport.title).toBe('Day five, retitled');
    const listed = JSON.parse((await post(url, LIST)).text).data.reports.edges.map((e: { node: { slug: string; title: string } }) => e.node);
    expect(listed).toContainEqual({ slug: 'day-5', title: 'Day five, retitled' });

    // The very same re-publish: nothing changed, nothing announced, the entry stays.
    await cached(url, SHOWN, { slug: 'day-5' });
    const seqAgain = await newestSeq(ctx.db);
    expect((await store(ctx.db, retitled)).eventCount).toBe(0);
    expect(await newestSeq(ctx.db)).toBe(seqAgain);
    expect((await post(url, SHOWN, { slug: 'day-5' })).headers.get('x-response-cache')).toBe('hit');
  });

  it('a publish through this instance is read back at once, without waiting for the listener', async () => {
    await cached(ctx.server.url, REPORT, { slug: 'day-2' });
    const md = ['---', 'title: "Day two again"', 'date: 2026-01-02', '---', '', '## News', '', '### two rewritten', '', '**核心摘要**：rewritten.', ''].join('\n');
    const published = await gql(ctx.server.url, 'mutation($md: String!) { publishMarkdown(markdown: $md, slug: "day-2") { slug } }', { md }, { authorization: `Bearer ${PUBLISH_TOKEN}` });
    expect(published.errors).toBeUndefined();
    const after = await post(ctx.server.url, REPORT, { slug: 'day-2' });
    expect(JSON.parse(after.text).data.report.title).toBe('Day two again');
  });

  it('an alias added or removed, even straight in the database as the command line does, drops what every cache holds; subscribers hear nothing of it', async () => {
    const url = ctx.server.url;
    await store(ctx.db, reportOf('day-9', '2026-01-09', [plainItem(1, 'aliased', { entities: [{ name: 'Open AI', key: 'open ai' }, { name: 'OpenAI', key: 'openai' }] })]));
    await hubCaughtUp(ctx.db, ctx.server);
    const NAMES = 'query($slug: String!) { report(slug: $slug) { sections { items { entities { name aliases } } } } }';
    const ENTITY = '{ entity(name: "OpenAI") { name aliases } }';
    await cached(url, NAMES, { slug: 'day-9' });
    expect(JSON.parse(await cached(url, ENTITY)).data.entity.aliases).toEqual([]);
    const sub = subscribe<{ itemPublished: { type: string; item: { title: string } } }>(url, 'subscription { itemPublished { type item { title } } }');
    try {
      await subscriptionsLive(url);
      await aliasEntity(ctx.db.db, 'Open AI', 'OpenAI');
      await hubCaughtUp(ctx.db, ctx.server);
      const entity = await post(url, ENTITY);
      expect(entity.headers.get('x-response-cache')).toBe('miss');
      expect(JSON.parse(entity.text).data.entity).toEqual({ name: 'OpenAI', aliases: ['Open AI'] });
      const names = await post(url, NAMES, { slug: 'day-9' });
      expect(names.headers.get('x-response-cache')).toBe('miss');
      expect(JSON.parse(names.text).data.report.sections[0].items[0].entities).toEqual([{ name: 'OpenAI', aliases: ['Open AI'] }]);
      await cached(url, ENTITY);
      await removeEntityAlias(ctx.db.db, 'Open AI');
      await hubCaughtUp(ctx.db, ctx.server);
      expect(await post(url, ENTITY).then((r) => JSON.parse(r.text).data.entity.aliases)).toEqual([]);
      // The subscriber got nothing from the two alias events: its first event is the next item published.
      await store(ctx.db, reportOf('day-10', '2026-01-10', [plainItem(1, 'after the aliases')]));
      const [first] = await sub.waitFor(1);
      expect(first!.errors).toBeUndefined();
      expect(first!.data!.itemPublished).toEqual({ type: 'PUBLISHED', item: { title: 'after the aliases' } });
    } finally {
      await sub.dispose();
    }
  });

  it('a report without items taken back to draft is gone from every cached read at once', async () => {
    const url = ctx.server.url;
    await store(ctx.db, reportOf('day-20', '2026-01-20', []));
    await hubCaughtUp(ctx.db, ctx.server);
    const LATEST = '{ latestReport { slug } }';
    expect(JSON.parse(await cached(url, LATEST)).data.latestReport.slug).toBe('day-20');
    expect(JSON.parse(await cached(url, REPORT, { slug: 'day-20' })).data.report.slug).toBe('day-20');
    await store(ctx.db, reportOf('day-20', '2026-01-20', [], true));
    await hubCaughtUp(ctx.db, ctx.server);
    expect(JSON.parse((await post(url, LATEST)).text).data.latestReport.slug).not.toBe('day-20');
    expect(JSON.parse((await post(url, REPORT, { slug: 'day-20' })).text).data.report).toBeNull();
  });

  it('a GET that names a parameter twice is refused as Apollo refuses it, even when held', async () => {
    await get(ctx.server.url, REPORT, { slug: 'day-2' });
    expect((await get(ctx.server.url, REPORT, { slug: 'day-2' })).headers.get('x-response-cache')).toBe('hit');
    const params = new URLSearchParams({ query: REPORT, variables: JSON.stringify({ slug: 'day-2' }) });
    params.append('query', '{ version }');
    const twice = await fetch(`${ctx.server.url}/graphql?${params}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(twice.status).toBe(400);
  });

  it('never caches admin data', async () => {
    const { key } = await createApiKey(ctx.db.db, { name: 'admin', scopes: ['admin'] });
    const auth = { authorization: `Bearer ${key}` };
    const keys = async () => post(ctx.server.url, '{ apiKeys { name } webhooks { id } }', {}, auth);
    const first = await keys();
    expect(first.status).toBe(200);
    expect(first.headers.get('x-response-cache')).toBeNull();
    expect(first.headers.get('etag')).toBeNull();
    await createApiKey(ctx.db.db, { name: 'made-meanwhile', scopes: ['read'] });
    const second = await keys();
    expect(second.headers.get('x-response-cache')).toBeNull();
    expect(JSON.parse(second.text).data.apiKeys.map((k: { name: string }) => k.name)).toContain('made-meanwhile');
  });
});

describe('response cache with rate limits', () => {
  // The full report page costs about 6,000 points: a bucket of 25,000 pays for four reads.
  const ctx = serveTestDatabase({ ...CACHE, rateLimits: { keyPerMinute: 25_000, anonymousPerMinute: 25_000 }, seed: (db) => store(db, dayOne(['first', 'second'])) });

  it('charges a hit the cost of the executed read, with the RateLimit headers, and refuses it with 429 once the bucket is spent', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await post(ctx.server.url, FULL_REPORT_PAGE, { slug: 'day-1' }));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(ok.length).toBeLessThanOrEqual(5);
    expect(ok.slice(1).every((a) => a.headers.get('x-response-cache') === 'hit')).toBe(true);
    const remaining = ok.map((a) => Number(a.headers.get('ratelimit-remaining')));
    for (let i = 1; i < remaining.length; i++) expect(remaining[i - 1]! - remaining[i]!).toBeGreaterThan(5000);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused).toBeDefined();
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.headers.get('ratelimit-limit')).toBe('25000');
    expect(refused.headers.get('etag')).toBeNull();
  });
});

describe('response cache without public reads', () => {
  const ctx = serveTestDatabase({ ...CACHE, publicRead: false, seed: (db) => store(db, dayTwo()) });

  it('never serves a read-scope entry to a caller without read', async () => {
    const { key } = await createApiKey(ctx.db.db, { name: 'reader', scopes: ['read'] });
    const { key: other } = await createApiKey(ctx.db.db, { name: 'other-reader', scopes: ['read'] });
    const { key: publisher } = await createApiKey(ctx.db.db, { name: 'publisher', scopes: ['publish'] });
    const reader = await post(ctx.server.url, REPORT, { slug: 'day-2' }, { authorization: `Bearer ${key}` });
    expect(reader.status).toBe(200);
    // Another key with the same scopes shares the entry.
    const shared = await post(ctx.server.url, REPORT, { slug: 'day-2' }, { authorization: `Bearer ${other}` });
    expect(shared.headers.get('x-response-cache')).toBe('hit');
    expect(shared.text).toBe(reader.text);
    for (const headers of [{}, { authorization: `Bearer ${publisher}` }] as Record<string, string>[]) {
      const refused = await post(ctx.server.url, REPORT, { slug: 'day-2' }, headers);
      expect([401, 403]).toContain(refused.status);
      expect(refused.text).not.toContain('two alone');
      expect(JSON.parse(refused.text).data ?? null).toBeNull();
      expect(refused.headers.get('etag')).toBeNull();
      expect((await post(ctx.server.url, REPORT, { slug: 'day-2' }, { ...headers, 'if-none-match': reader.headers.get('etag')! })).status).not.toBe(304);
    }
  });
});

(onRealPostgres ? describe : describe.skip)('response cache on two instances (real Postgres: two listeners on one database)', () => {
  const ctx = serveTestDatabase({ ...CACHE, seed: (db) => store(db, reportOf('race', '2026-02-01', [plainItem(1, 'round 0')])) });

  it('a publish through A is never read stale through B once B has read its events: 200 rounds', async () => {
    const b = await startTestServer(ctx.db, CACHE);
    try {
      const stale: string[] = [];
      for (let round = 1; round <= 200; round++) {
        // B holds the previous round's answer.
        await post(b.url, REPORT, { slug: 'race' });
        const md = ['---', `title: "Race ${round}"`, 'date: 2026-02-01', '---', '', '## News', '', `### round ${round}`, '', `**核心摘要**：round ${round}.`, ''].join('\n');
        const published = await gql(ctx.server.url, 'mutation($md: String!) { publishMarkdown(markdown: $md, slug: "race") { slug } }', { md }, { authorization: `Bearer ${PUBLISH_TOKEN}` });
        expect(published.errors).toBeUndefined();
        await hubCaughtUp(ctx.db, b);
        const res = await post(b.url, REPORT, { slug: 'race' });
        const read = JSON.parse(res.text).data.report;
        if (read.title !== `Race ${round}` || read.sections[0].items[0].title !== `round ${round}`) {
          stale.push(`round ${round}: ${res.headers.get('x-response-cache')} ${read.title} / ${read.sections[0].items[0].title}`);
        }
      }
      expect(stale).toEqual([]);
      expect((await metric(b.url, 'digestql_response_cache_hits_total')) ?? 0).toBeGreaterThan(0);
    } finally {
      await b.close();
    }
  }, 300_000);

  it('two processes: a publish through process A is never read stale through process B once B has read its events: 200 rounds', async () => {
    const env = { DATABASE_URL: ctx.db.url!, PUBLISH_TOKEN, SEED_EXAMPLES: 'false', RESPONSE_CACHE_MB: '4', RATE_LIMIT_ANON_PER_MINUTE: '0', RATE_LIMIT_KEY_PER_MINUTE: '0' };
    const [a, b] = await Promise.all([startServeProcess(env), startServeProcess(env)]);
    try {
      const stale: string[] = [];
      let hits = 0;
      for (let round = 1; round <= 200; round++) {
        // B holds the previous round's answer (a hit from the second round on).
        if ((await post(b.url, REPORT, { slug: 'race' })).headers.get('x-response-cache') === 'hit') hits++;
        const md = ['---', `title: "Process race ${round}"`, 'date: 2026-02-01', '---', '', '## News', '', `### process round ${round}`, '', `**核心摘要**：round ${round}.`, ''].join('\n');
        const published = await gql(a.url, 'mutation($md: String!) { publishMarkdown(markdown: $md, slug: "race") { slug } }', { md }, { authorization: `Bearer ${PUBLISH_TOKEN}` });
        expect(published.errors).toBeUndefined();
        const seq = await newestSeq(ctx.db);
        // B's own account of what it has read: the log position on its /metrics.
        await until(async () => ((await metric(b.url, 'digestql_event_log_position')) ?? 0) >= seq, `process B to read event ${seq}`, 60_000);
        const res = await post(b.url, REPORT, { slug: 'race' });
        const read = JSON.parse(res.text).data.report;
        if (read.title !== `Process race ${round}` || read.sections[0].items[0].title !== `process round ${round}`) {
          stale.push(`round ${round}: ${res.headers.get('x-response-cache')} ${read.title} / ${read.sections[0].items[0].title}`);
        }
      }
      expect(stale).toEqual([]);
      expect(hits).toBeGreaterThan(100);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 600_000);
});
