import { parseAtomFeed, parseJsonFeed, parseOpml, parseRssFeed } from 'feedsmith';
import { createApiKey } from '../../src/modules/auth/api-keys';
import { describeWithCorpus } from '../support/corpus';
import { exampleReport, seedReport, store } from '../support/fixtures';
import { gql, PUBLISH_TOKEN, serveTestDatabase, startTestServer } from '../support/server';
import { until } from '../support/wait';

/** The items query's ids for a filter: what every feed must list, in the same order. */
async function itemIds(url: string, filter: Record<string, unknown>, first = 50): Promise<string[]> {
  const res = await gql<{ items: { edges: { node: { id: string } }[] } }>(url, 'query($f: ItemFilter, $n: Int) { items(first: $n, filter: $f) { edges { node { id } } } }', { f: filter, n: first });
  expect(res.errors).toBeUndefined();
  return res.data!.items.edges.map((e) => e.node.id);
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });
/** feedsmith gives Atom text constructs as { value, type }. */
const text = (t: { value?: string } | undefined): string => t?.value ?? '';
const atomIds = (xml: string) => (parseAtomFeed(xml).entries ?? []).map((e) => e.id!.replace('urn:uuid:', ''));

describe('feeds', () => {
  const zh = exampleReport('2026-11-20-ai-intel');
  const en = exampleReport('2026-11-21-ai-digest-en');
  // A digest that tries to smuggle markup into the feed: nothing of it may arrive as HTML.
  const hostile = {
    ...en,
    slug: 'hostile',
    date: '2026-11-22T00:00:00Z',
    sections: [
      {
        ...en.sections[0]!,
        items: [
          {
            ...en.sections[0]!.items[0]!,
            title: 'Hostile <b>item</b>',
            summary: 'Look <script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) **bold**',
          },
        ],
      },
    ],
  };
  const ctx = serveTestDatabase({
    itemLinkTemplate: null,
    seed: async (db) => {
      await store(db, zh);
      await store(db, en);
      await store(db, hostile);
    },
  });

  it('lists what `items` lists for the same filter, newest first, in all three formats', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['', {}],
      ['minImportance=HIGH', { minImportance: 'HIGH' }],
      ['tags=RLHF,GPU', { tags: ['RLHF', 'GPU'] }],
      ['sections=top-headlines', { sections: ['top-headlines'] }],
      ['report=2026-11-20-ai-intel&minImportance=MEDIUM', { reportSlug: '2026-11-20-ai-intel', minImportance: 'MEDIUM' }],
      ['from=2026-11-21T00:00:00Z&to=2026-11-21T23:59:59Z', { from: '2026-11-21T00:00:00Z', to: '2026-11-21T23:59:59Z' }],
    ];
    for (const [query, filter] of cases) {
      const expected = await itemIds(ctx.server.url, filter);
      expect(expected.length).toBeGreaterThan(0);
      const atom = await get(`${ctx.server.url}/feeds/items.atom?${query}`);
      expect(atom.status).toBe(200);
      expect(atom.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
      expect(atomIds(await atom.text())).toEqual(expected);
      const rss = parseRssFeed(await (await get(`${ctx.server.url}/feeds/items.rss?${query}`)).text());
      expect(rss.items!.map((i) => i.guid!.value!.replace('urn:uuid:', ''))).toEqual(expected);
      const json = parseJsonFeed(await (await get(`${ctx.server.url}/feeds/items.json?${query}`)).text());
      expect(json.items!.map((i) => i.id)).toEqual(expected);
    }
    // Entities match like the query's: by normalised name.
    const entity = zh.sections[0]!.items[0]!.entities[0]!.name;
    const byEntity = await itemIds(ctx.server.url, { entities: [entity.toUpperCase()] });
    expect(atomIds(await (await get(`${ctx.server.url}/feeds/items.atom?entities=${encodeURIComponent(entity.toUpperCase())}`)).text())).toEqual(byEntity);
  });

  it('gives each entry its id, title, link, HTML summary and content, tags, dates and the report language', async () => {
    const expected = await itemIds(ctx.server.url, { reportSlug: '2026-11-20-ai-intel', minImportance: 'HIGH' });
    const first = zh.sections.flatMap((s) => s.items).find((i) => i.importance === 'HIGH')!;
    const atom = parseAtomFeed(await (await get(`${ctx.server.url}/feeds/items.atom?report=2026-11-20-ai-intel&minImportance=HIGH`)).text());
    expect(atom.xml?.lang).toBe('zh-Hant');
    const entry = atom.entries![0]!;
    expect(entry.id).toBe(`urn:uuid:${expected[0]}`);
    expect(text(entry.title)).toBe(first.title);
    expect(entry.links![0]!.href).toBe(first.sources.find((s) => s.url)!.url);
    expect(entry.categories!.map((c) => c.term)).toEqual(expect.arrayContaining(first.tags));
    expect(entry.summary).toEqual({ type: 'html', value: expect.stringContaining('<p>') });
    expect(text(entry.content)).toContain('<h3>技術細節</h3>');
    expect(new Date(entry.published!).toISOString()).toBe(new Date(zh.date).toISOString());
    expect(entry.updated).toBeTruthy();

    const rss = parseRssFeed(await (await get(`${ctx.server.url}/feeds/items.rss?report=2026-11-20-ai-intel`)).text());
    expect(rss.language).toBe('zh-Hant');
    expect(rss.items![0]!.content?.encoded).toContain('<h3>');
    const json = (await (await get(`${ctx.server.url}/feeds/items.json?report=2026-11-21-ai-digest-en`)).json()) as Record<string, unknown>;
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.language).toBe('en');
    // The report itself says what language it is in.
    const lang = await gql<{ a: { language: string }; b: { language: string } }>(ctx.server.url, '{ a: report(slug: "2026-11-20-ai-intel") { language } b: report(slug: "2026-11-21-ai-digest-en") { language } }');
    expect(lang.data).toEqual({ a: { language: 'zh-Hant' }, b: { language: 'en' } });
  });

  it('lets no raw HTML, script or javascript: link of a digest through', async () => {
    for (const format of ['atom', 'rss', 'json'] as const) {
      const body = await (await get(`${ctx.server.url}/feeds/items.${format}?report=hostile`)).text();
      const html =
        format === 'atom'
          ? [text(parseAtomFeed(body).entries![0]!.content), text(parseAtomFeed(body).entries![0]!.summary)]
          : format === 'rss'
            ? [parseRssFeed(body).items![0]!.content!.encoded!, parseRssFeed(body).items![0]!.description!]
            : [parseJsonFeed(body).items![0]!.content_html!];
      for (const h of html) {
        expect(h).not.toMatch(/<script|<img|<b>|href="javascript:/i);
        expect(h).toContain('&lt;script&gt;');
        expect(h).toContain('<strong>bold</strong>');
      }
    }
  });

  it('answers 304 to If-None-Match and If-Modified-Since until something is published', async () => {
    const url = `${ctx.server.url}/feeds/items.atom?minImportance=HIGH`;
    const first = await get(url);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    // Without PUBLIC_URL links follow the Host header: no shared cache may keep it (feed-urls.test.ts).
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const again = await get(url);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await get(url, { 'if-none-match': etag })).status).toBe(304);
    expect((await get(url, { 'if-modified-since': lastModified })).status).toBe(304);
    expect((await get(url, { 'if-none-match': '"other"' })).status).toBe(200);
    // A publish moves both validators.
    // Last-Modified has whole seconds: publish in a later second than the one the client holds.
    await until(() => Date.now() >= Date.parse(lastModified) + 1000, "the clock to pass Last-Modified's second", 3000);
    const next = { ...hostile, slug: 'hostile-2', date: '2026-11-23T00:00:00Z' };
    next.sections = [{ ...next.sections[0]!, items: [{ ...next.sections[0]!.items[0]!, importance: 'HIGH' as const, title: 'A new HIGH item' }] }];
    await store(ctx.db, next);
    const changed = await get(url, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(text(parseAtomFeed(await changed.text()).entries![0]!.title)).toBe('A new HIGH item');
    expect((await get(url, { 'if-modified-since': lastModified })).status).toBe(200);
  });

  it('keeps an item\'s id across a re-publish that changes its text', async () => {
    const before = atomIds(await (await get(`${ctx.server.url}/feeds/items.atom?report=2026-11-21-ai-digest-en`)).text());
    const changed = { ...en, sections: en.sections.map((s, i) => (i === 0 ? { ...s, items: s.items.map((it) => ({ ...it, summary: `${it.summary} (revised)` })) } : s)) };
    await store(ctx.db, changed);
    const feed = parseAtomFeed(await (await get(`${ctx.server.url}/feeds/items.atom?report=2026-11-21-ai-digest-en`)).text());
    expect(feed.entries!.map((e) => e.id!.replace('urn:uuid:', ''))).toEqual(before);
    expect(text(feed.entries![0]!.summary)).toContain('(revised)');
  });

  it('takes limit (default 50, at most 100) and refuses bad parameters with 400 naming them', async () => {
    expect(parseRssFeed(await (await get(`${ctx.server.url}/feeds/items.rss?limit=2`)).text()).items).toHaveLength(2);
    const bad: [string, string][] = [
      ['limit=101', 'limit: '],
      ['limit=0', 'limit: '],
      ['minImportance=URGENT', 'minImportance: must be HIGH, MEDIUM or LOW'],
      ['from=yesterday', 'from: '],
      ['from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z', 'from: must not be after `to`'],
      ['report=a&report=b', 'report: given more than once'],
      ['tag=RLHF', 'tag: unknown parameter'],
    ];
    for (const [query, message] of bad) {
      const res = await get(`${ctx.server.url}/feeds/items.atom?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toContain(message);
    }
    expect((await get(`${ctx.server.url}/feeds/reports.atom?tags=x`)).status).toBe(400);
    for (const path of ['/feeds/items.xml', '/feeds/', '/feeds/items.atom/x']) expect((await get(`${ctx.server.url}${path}`)).status).toBe(404);
  });

  it('serves a feed of reports and an OPML directory per section and per importance', async () => {
    const reports = parseAtomFeed(await (await get(`${ctx.server.url}/feeds/reports.atom`)).text());
    expect(reports.entries!.map((e) => text(e.title))).toEqual(expect.arrayContaining([zh.title, en.title]));
    expect(text(reports.entries![0]!.content)).toContain('<li>');
    const opml = parseOpml(await (await get(`${ctx.server.url}/feeds/opml`)).text());
    const urls = opml.body!.outlines!.flatMap((g) => g.outlines ?? []).map((o) => o.xmlUrl!);
    expect(urls).toEqual(expect.arrayContaining([`${ctx.server.url}/feeds/items.atom?minImportance=HIGH`, `${ctx.server.url}/feeds/items.atom?sections=top-headlines`]));
    // Every listed feed answers.
    for (const u of urls) expect([u, (await get(u)).status]).toEqual([u, 200]);
  });

  it('links items through ITEM_LINK_TEMPLATE when set, and answers browsers of CORS_ORIGINS', async () => {
    const server = await startTestServer(ctx.db, { itemLinkTemplate: 'https://digest.example/{slug}#{id}', corsOrigins: ['https://app.example'] });
    try {
      const cors = await get(`${server.url}/feeds/items.json?limit=1`, { origin: 'https://app.example' });
      expect(cors.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(cors.headers.get('vary')).toBe('origin, authorization');
      expect((await get(`${server.url}/feeds/items.json?limit=1`, { origin: 'https://evil.example' })).headers.get('access-control-allow-origin')).toBeNull();
      const feed = parseJsonFeed(await (await get(`${server.url}/feeds/items.json?report=2026-11-20-ai-intel&limit=1`)).text());
      expect(feed.items![0]!.url).toBe(`https://digest.example/2026-11-20-ai-intel#${feed.items![0]!.id}`);
    } finally {
      await server.close();
    }
  });

  it('needs the read scope like GraphQL: a key as Authorization or ?key=', async () => {
    const server = await startTestServer(ctx.db, { publicRead: false });
    try {
      const url = `${server.url}/feeds/items.atom`;
      const anon = await get(url);
      expect(anon.status).toBe(401);
      expect(await anon.text()).toContain('?key=');
      const { key } = await createApiKey(ctx.db.db, { name: 'feed-reader', scopes: ['read'] });
      const viaQuery = await get(`${url}?key=${key}`);
      expect(viaQuery.status).toBe(200);
      expect(viaQuery.headers.get('cache-control')).toBe('private, no-cache');
      const body = await viaQuery.text();
      expect(body).not.toContain(key);
      expect((await get(url, { authorization: `Bearer ${key}` })).status).toBe(200);
      expect((await get(`${url}?key=dq_live_nope`)).status).toBe(401);
      const { key: publishOnly } = await createApiKey(ctx.db.db, { name: 'publisher', scopes: ['publish'] });
      expect((await get(`${url}?key=${publishOnly}`)).status).toBe(403);
      // Keys that can do more than read stay out of URLs (feed-urls.test.ts); as a header they read.
      expect((await get(`${url}?key=${PUBLISH_TOKEN}`)).status).toBe(403);
      expect((await get(url, { authorization: `Bearer ${PUBLISH_TOKEN}` })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('charges the GraphQL rate-limit bucket: a feed costs its limit', async () => {
    const server = await startTestServer(ctx.db, { rateLimits: { keyPerMinute: 0, anonymousPerMinute: 60 } });
    try {
      const ok = await get(`${server.url}/feeds/items.rss?limit=50`);
      expect(ok.status).toBe(200);
      expect(Number(ok.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(10);
      const refused = await get(`${server.url}/feeds/items.rss?limit=50`);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.text()).toMatch(/^rate limit exceeded/);
      // The same bucket as GraphQL.
      expect((await gql(server.url, '{ items(first: 50) { edges { node { id } } } }')).status).toBe(429);
    } finally {
      await server.close();
    }
  });
});

describe('feeds and SQL statements', () => {
  // A database of its own and no event polling: every statement counted is the feed's own.
  const ctx = serveTestDatabase({
    pollIntervalMs: 600_000,
    seed: async (db) => {
      await store(db, exampleReport('2026-11-20-ai-intel'));
      await store(db, exampleReport('2026-11-21-ai-digest-en'));
    },
  });

  it('costs the same few statements for 2 entries as for 50 (no N+1)', async () => {
    const total = (await itemIds(ctx.server.url, {}, 100)).length;
    expect(total).toBeGreaterThan(2);
    const statementsFor = async (limit: number): Promise<number> => {
      const before = ctx.db.statements.count;
      const res = await get(`${ctx.server.url}/feeds/items.atom?limit=${limit}`);
      expect(parseAtomFeed(await res.text()).entries!.length).toBe(Math.min(limit, total));
      return ctx.db.statements.count - before;
    };
    await statementsFor(1);
    const few = await statementsFor(2);
    const many = await statementsFor(50);
    expect(many).toBe(few);
    // items, last change, reports, sources, tags
    expect(few).toBeLessThanOrEqual(5);
  });
});

describeWithCorpus('feeds of the seed digest', () => {
  const ctx = serveTestDatabase({ seed: (db) => store(db, seedReport()) });

  it('its HIGH items validate as Atom 1.0 and RSS 2.0, in Traditional Chinese, and JSON Feed declares 1.1', async () => {
    const expected = await itemIds(ctx.server.url, { minImportance: 'HIGH' });
    expect(expected.length).toBeGreaterThan(2);
    const atomText = await (await get(`${ctx.server.url}/feeds/items.atom?minImportance=HIGH&limit=100`)).text();
    const atom = parseAtomFeed(atomText);
    // Values are exactly their text: no indentation around CDATA (an id with & is still one IRI).
    expect(atomText).toContain('<id><![CDATA[');
    expect(atomText).not.toMatch(/>\s+<!\[CDATA\[|\]\]>\s+</);
    // What RFC 4287 requires of a feed and of each entry.
    expect(atom).toMatchObject({ id: expect.any(String), title: { value: expect.any(String) }, updated: expect.any(String), authors: [{ name: 'digestql' }] });
    expect(atom.xml?.lang).toBe('zh-Hant');
    for (const e of atom.entries!) expect(e).toMatchObject({ id: expect.stringMatching(/^urn:uuid:/), title: { value: expect.any(String) }, updated: expect.any(String) });
    expect(atom.entries!.map((e) => e.id!.replace('urn:uuid:', ''))).toEqual(expected);
    const rss = parseRssFeed(await (await get(`${ctx.server.url}/feeds/items.rss?minImportance=HIGH`)).text());
    expect(rss).toMatchObject({ title: expect.any(String), link: expect.any(String), description: expect.any(String), language: 'zh-Hant' });
    for (const i of rss.items!) expect(i).toMatchObject({ title: expect.any(String), guid: { value: expect.any(String), isPermaLink: false } });
    const json = (await (await get(`${ctx.server.url}/feeds/items.json?minImportance=HIGH`)).json()) as { version: string; items: unknown[] };
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.items).toHaveLength(expected.length);
  });
});
