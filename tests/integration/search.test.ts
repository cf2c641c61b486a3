import { foldForSearch } from '../../src/text/fold';
import { normaliseItemFilter } from '../../src/modules/items/item-filter';
import { COUNT_CAP, countSearch, RANK_WINDOW } from '../../src/modules/search/search.repository';
import { parseSearchQuery, toTsquery } from '../../src/modules/search/search-query';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { exampleReport, plainItem as item, reportOf, store } from '../support/fixtures';
import { gql, startTestServer, type TestServer } from '../support/server';
import { subscribe } from '../support/ws-client';

type Hit = {
  cursor: string;
  score: number;
  node: { id: string; title: string; report: { slug: string } };
  highlights: { field: string; snippet: string; matches: { start: number; length: number }[] }[];
};
type SearchResult = { search: { totalCount: number; edges: Hit[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
const search = (highlights: boolean): string => `query($q: String!, $first: Int, $after: String, $f: ItemFilter) {
  search(query: $q, first: $first, after: $after, filter: $f) {
    totalCount edges { cursor score node { id title report { slug } } ${highlights ? 'highlights { field snippet matches { start length } }' : ''} } pageInfo { hasNextPage endCursor }
  } }`;

describe('search', () => {
  let db: TestDatabase;
  let server: TestServer;
  const run = (q: string, vars: Record<string, unknown> = {}) => gql<SearchResult>(server.url, search(false), { q, first: 50, ...vars });
  const withHighlights = (q: string, vars: Record<string, unknown> = {}) => gql<SearchResult>(server.url, search(true), { q, first: 20, ...vars });
  const titles = async (q: string, vars: Record<string, unknown> = {}): Promise<string[]> => {
    const res = await run(q, vars);
    expect(res.errors).toBeUndefined();
    return res.data!.search.edges.map((e) => e.node.title);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await store(db, exampleReport('2026-11-20-ai-intel'));
    await store(db, exampleReport('2026-11-21-ai-digest-en'));
    await store(
      db,
      reportOf('2026-11-22-zh', '2026-11-22T08:00:00+08:00', [
        item(1, '供應鏈安全：以 LLM 評判器審查開源套件', { summary: '以大型語言模型作為評判器（LLM-as-a-Judge），檢查套件更新是否夾帶惡意程式碼。', importance: 'HIGH' }),
        item(2, '国产芯片供应链扩产', { summary: '多家厂商公布供应链扩产计划，评判标准仍待统一。', entities: [{ name: 'DeepSeek V4', key: 'deepseek v4' }] }),
        item(3, 'Claude Opus 4.5 發布', { summary: 'Anthropic 發布 Opus 4.5，程式碼能力大幅提升。', tags: ['Anthropic'] }),
        item(4, 'Quarterly notes', { details: 'A long note. '.repeat(40) + 'It also mentions 供應鏈 once, deep in the details, then goes on. ' + 'Filler text here. '.repeat(40) }),
      ]),
    );
    await store(db, reportOf('2026-11-23-draft', '2026-11-23T08:00:00Z', [item(1, 'Unannounced zanzibarium model', { summary: '草稿評判' })], true));
    server = await startTestServer(db);
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
  });

  it('finds Traditional and Simplified alike', async () => {
    expect(await titles('評判')).toEqual(await titles('评判'));
    expect(await titles('評判')).toEqual(expect.arrayContaining(['供應鏈安全：以 LLM 評判器審查開源套件', '国产芯片供应链扩产']));
    expect(await titles('供應鏈')).toEqual(await titles('供应链'));
    expect(await titles('供應鏈')).toEqual(expect.arrayContaining(['供應鏈安全：以 LLM 評判器審查開源套件', '国产芯片供应链扩产', 'Quarterly notes']));
    // One character finds the words it starts and ends.
    expect(await titles('鏈')).toEqual(expect.arrayContaining(['供應鏈安全：以 LLM 評判器審查開源套件', '国产芯片供应链扩产']));
  });

  it('finds English case-insensitively and mixed queries', async () => {
    expect(await titles('rlhf')).toEqual(await titles('RLHF'));
    expect((await titles('RLHF')).length).toBe(2);
    expect(await titles('Opus 4.5')).toEqual(['Claude Opus 4.5 發布']);
    expect(await titles('opus 4.5 发布')).toEqual(['Claude Opus 4.5 發布']);
    expect(await titles('deepseek v4')).toEqual(['国产芯片供应链扩产']);
    expect((await titles('llm-AS-a-judge')).sort()).toEqual(['Multi-expert reward models reduce reward hacking in RLHF', '供應鏈安全：以 LLM 評判器審查開源套件']);
  });

  it('keeps quoted phrases together and excludes -words', async () => {
    expect(await titles('"reward hacking"')).toHaveLength(2);
    expect(await titles('"hacking reward"')).toEqual([]);
    expect(await titles('"Opus 4.5"')).toEqual(['Claude Opus 4.5 發布']);
    const both = await titles('供應鏈');
    const without = await titles('供應鏈 -評判');
    expect(without).toEqual(both.filter((t) => t === 'Quarterly notes'));
    expect(await titles('RLHF -"reward hacking"')).toEqual([]);
  });

  it('ranks title matches above body matches; excluded terms do not change scores', async () => {
    const res = await run('供應鏈');
    const edges = res.data!.search.edges;
    expect(edges.at(-1)!.node.title).toBe('Quarterly notes');
    expect(edges[0]!.score).toBeGreaterThan(edges.at(-1)!.score);
    for (let i = 1; i < edges.length; i++) expect(edges[i - 1]!.score).toBeGreaterThanOrEqual(edges[i]!.score);
    const excluded = await run('供應鏈 -zanzibarium');
    expect(excluded.data!.search.edges.map((e) => e.score)).toEqual(edges.map((e) => e.score));
  });

  it('highlights the matched text in the original, Traditional or Simplified, with ranges into the snippet', async () => {
    const strip = (s: string): string => foldForSearch(s).replace(/[^\p{L}\p{N}.]/gu, '');
    for (const [q, words] of [
      ['供应链', ['供应链']],
      ['評判', ['评判']],
      ['RLHF', ['rlhf']],
      ['"reward hacking"', ['rewardhacking']],
      ['opus 4.5', ['opus', '4.5']],
    ] as const) {
      const res = await withHighlights(q);
      expect(res.data!.search.edges.length).toBeGreaterThan(0);
      for (const e of res.data!.search.edges) {
        expect(e.highlights.length).toBeGreaterThan(0);
        for (const h of e.highlights) {
          expect(h.matches.length).toBeGreaterThan(0);
          for (const m of h.matches) {
            const text = h.snippet.slice(m.start, m.start + m.length);
            // The range is the match as written: folding it gives a word or phrase of the query.
            expect(words).toContain(strip(text));
          }
        }
      }
    }
    const long = (await withHighlights('供應鏈', { f: { reportSlug: '2026-11-22-zh' } })).data!.search.edges.find((e) => e.node.title === 'Quarterly notes')!;
    const [h] = long.highlights;
    expect(h!.field).toBe('details');
    expect(h!.snippet.length).toBeLessThanOrEqual(202);
    expect(h!.snippet.startsWith('…') && h!.snippet.endsWith('…')).toBe(true);
    expect(h!.snippet.slice(h!.matches[0]!.start, h!.matches[0]!.start + h!.matches[0]!.length)).toBe('供應鏈');
    // A title match highlights the title; a one-character query only that character of a bigram.
    const one = (await withHighlights('鏈', { f: { reportSlug: '2026-11-22-zh' } })).data!.search.edges.find((e) => e.node.title.startsWith('供應鏈安全'))!;
    expect(one.highlights[0]).toEqual({ field: 'title', snippet: '供應鏈安全：以 LLM 評判器審查開源套件', matches: [{ start: 2, length: 1 }] });
  });

  it('never finds drafts', async () => {
    expect(await titles('zanzibarium')).toEqual([]);
    const res = await run('草稿');
    expect(res.data!.search.totalCount).toBe(0);
  });

  it('narrows by the ItemFilter', async () => {
    expect(await titles('RLHF', { f: { reportSlug: '2026-11-21-ai-digest-en' } })).toEqual(['Multi-expert reward models reduce reward hacking in RLHF']);
    expect(await titles('供應鏈', { f: { minImportance: 'HIGH' } })).toEqual(['供應鏈安全：以 LLM 評判器審查開源套件']);
    expect(await titles('Opus', { f: { tags: ['anthropic'] } })).toEqual(['Claude Opus 4.5 發布']);
  });

  it('counts matches exactly up to the cap, then says "at least" (totalCountExact false)', async () => {
    const res = await gql<{ search: { totalCount: number; totalCountExact: boolean; edges: unknown[] } }>(server.url, '{ search(query: "的", first: 100) { totalCount totalCountExact edges { cursor } } }');
    expect(res.errors).toBeUndefined();
    const matches = res.data!.search.edges.length;
    expect(matches).toBeGreaterThan(4);
    expect(res.data!.search).toMatchObject({ totalCount: matches, totalCountExact: true });
    const query = parseSearchQuery('的');
    const tsquery = { match: toTsquery(query), rank: toTsquery(query) };
    const filter = normaliseItemFilter(undefined);
    expect(await countSearch(db.db, tsquery, filter, matches)).toEqual({ count: matches, exact: true });
    expect(await countSearch(db.db, tsquery, filter, matches - 1)).toEqual({ count: matches - 1, exact: false });
    expect(await countSearch(db.db, tsquery, filter, 2)).toEqual({ count: 2, exact: false });
    // The cap is the ranking window: a search reaches at most that many results.
    expect(COUNT_CAP).toBe(RANK_WINDOW);
  });

  it('pages with stable cursors: every match once, in the order of one long page', async () => {
    const all = await run('的', { first: 100 });
    const expected = all.data!.search.edges.map((e) => e.node.id);
    expect(expected.length).toBeGreaterThan(4);
    expect(all.data!.search.totalCount).toBe(expected.length);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof run>> = await run('的', { first: 2, after });
      expect(page.errors).toBeUndefined();
      seen.push(...page.data!.search.edges.map((e) => e.node.id));
      after = page.data!.search.pageInfo.hasNextPage ? page.data!.search.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(expected);
  });

  it.each([
    ['empty', '', /must not be empty/],
    ['blank', '   ', /must not be empty/],
    ['punctuation only', '!!! ，。？ --- ""', /no word or character/],
    ['only exclusions', '-RLHF', /no word or character/],
    ['1,000 characters', '評判'.repeat(500), /at most 500 characters/],
    ['one 500-letter word', 'x'.repeat(500), /words longer than 64 characters are not indexed/],
  ])('refuses a bad query (%s) with BAD_USER_INPUT naming query', async (_n, q, message) => {
    const res = await run(q);
    expect(res.status).toBe(200);
    expect(res.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'query' } });
    expect(res.errors![0]!.message).toMatch(message);
  });

  it('refuses a foreign cursor and a page over 100, naming the argument', async () => {
    const itemsCursor = (await gql<{ items: { pageInfo: { endCursor: string } } }>(server.url, '{ items(first: 1) { pageInfo { endCursor } } }')).data!.items.pageInfo.endCursor;
    expect((await run('RLHF', { after: itemsCursor })).errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
    expect((await run('RLHF', { first: 101 })).errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });
  });

  it.each([['1e308', 1e308], ['-1e39', -1e39], ['1e-50', 1e-50]])(
    'refuses a cursor whose score (%s) a Postgres real cannot hold, with BAD_USER_INPUT on after, over HTTP and WebSocket',
    async (_n, score) => {
      const edge = (await run('RLHF', { first: 1 })).data!.search.edges[0]!;
      const parts = JSON.parse(Buffer.from(edge.cursor, 'base64url').toString('utf8')) as unknown[];
      const after = Buffer.from(JSON.stringify(parts.with(1, score))).toString('base64url');
      const refused = { extensions: { code: 'BAD_USER_INPUT', argument: 'after' } };
      expect((await run('RLHF', { after })).errors![0]).toMatchObject(refused);
      const ws = subscribe(server.url, search(false), { q: 'RLHF', first: 5, after });
      try {
        expect((await ws.waitFor(1))[0]!.errors![0]).toMatchObject(refused);
      } finally {
        await ws.dispose();
      }
    },
  );

  it('refuses a cursor of another search (query or filter) and an edited one, naming after', async () => {
    const cursorOf = async (q: string, vars: Record<string, unknown> = {}): Promise<string> => {
      const res = await run(q, { first: 1, ...vars });
      expect(res.errors).toBeUndefined();
      return res.data!.search.edges[0]!.cursor;
    };
    const refused = async (q: string, after: string, message: RegExp, vars: Record<string, unknown> = {}): Promise<void> => {
      const res = await run(q, { after, ...vars });
      expect(res.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
      expect(res.errors![0]!.message).toMatch(message);
    };
    // The same search's own cursor works, also written differently (the parsed query is what counts).
    const rlhf = await cursorOf('RLHF');
    expect((await run('rlhf  ', { after: rlhf })).errors).toBeUndefined();
    await refused('RLHF', await cursorOf('評判'), /another search/);
    await refused('RLHF', rlhf, /another search/, { f: { minImportance: 'HIGH' } });
    // An edited score (still a valid real) is not a cursor this server signed.
    const parts = JSON.parse(Buffer.from(rlhf, 'base64url').toString('utf8')) as unknown[];
    await refused('RLHF', Buffer.from(JSON.stringify(parts.with(1, 0.5))).toString('base64url'), /not issued by this server/);
  });

  it('sees a re-publish right after its commit: the new text, not the old', async () => {
    const slug = '2026-11-24-republish';
    await store(db, reportOf(slug, '2026-11-24T08:00:00Z', [item(1, 'Quokkaformer ships', { summary: '第一版摘要提到袋鼠' })]));
    expect(await titles('quokkaformer')).toEqual(['Quokkaformer ships']);
    expect(await titles('袋鼠')).toEqual(['Quokkaformer ships']);
    await store(db, reportOf(slug, '2026-11-24T08:00:00Z', [item(1, 'Quokkaformer ships', { summary: '第二版摘要改提無尾熊' })]));
    expect(await titles('袋鼠')).toEqual([]);
    expect(await titles('无尾熊')).toEqual(['Quokkaformer ships']);
    // Made a draft: gone from search in the same commit.
    await store(db, reportOf(slug, '2026-11-24T08:00:00Z', [item(1, 'Quokkaformer ships', { summary: '第二版摘要改提無尾熊' })], true));
    expect(await titles('quokkaformer')).toEqual([]);
  });
});
