import { randomUUID } from 'node:crypto';
import { matchesItem, normaliseItemFilter, type ItemFilterInput } from '../../src/modules/items/item-filter';
import { normaliseKey } from '../../src/ingest';
import { aliasEntity } from '../../src/modules/entities/entity-aliases.service';
import { buildSearchVector, parseSearchVector } from '../../src/modules/search/search-doc';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { corpusAvailable } from '../support/corpus';
import { exampleReport, seedReport, store } from '../support/fixtures';
import { gql, startTestServer, type TestServer } from '../support/server';

const ITEM_FIELDS = 'id title importance position publishedAt tags section { key } report { slug } entities { key } sources { kind url }';

describe('GraphQL queries over HTTP', () => {
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    await store(db, exampleReport('2026-11-20-ai-intel'));
    await store(db, exampleReport('2026-11-21-ai-digest-en'));
    if (corpusAvailable) await store(db, seedReport());
    await store(db, { ...exampleReport('2026-11-21-ai-digest-en'), slug: 'secret-draft', date: '2027-01-01', draft: true, tags: ['DraftOnly'], sections: [{ ...exampleReport('2026-11-21-ai-digest-en').sections[0]!, items: [{ ...exampleReport('2026-11-21-ai-digest-en').sections[0]!.items[0]!, title: 'Draft-only item', entities: [{ name: 'Only In Draft', key: 'only in draft' }] }] }] });
    server = await startTestServer(db);
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
  });

  it('reads a report page whole', async () => {
    const res = await gql<{ report: Record<string, unknown> & { sections: { key: string; items: { importance: string }[]; sources: unknown[] }[] } }>(
      server.url,
      `query($slug: String!) { report(slug: $slug) { slug title date publishedAt draft tags keywords watchlist description
        coverImage { url alt relative } stats { articleCount topicCount } itemCount collectionWindow generatedAt
        sections { key title titleEn position prose body sources { label url kind domain } items { ${ITEM_FIELDS} } } } }`,
      { slug: '2026-11-20-ai-intel' },
    );
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const r = res.data!.report;
    expect(r).toMatchObject({
      slug: '2026-11-20-ai-intel',
      date: '2026-11-20T07:05:00+08:00',
      publishedAt: '2026-11-19T23:05:00.000Z',
      draft: false,
      itemCount: 6,
      stats: { articleCount: 186, topicCount: 6 },
      keywords: ['推理模型', 'RLHF', '代理', '資料中心', '液冷'],
      coverImage: { url: '/images/2026-11-20-ai-intel.png', alt: 'AI Daily', relative: true },
      collectionWindow: '過去 24 小時',
    });
    expect(r.sections.map((s) => s.key)).toEqual(['top-headlines', 'model-research-updates', 'tools-resources', 'editors-insight', 'further-reading']);
    expect(r.sections.flatMap((s) => s.items.map((i) => i.importance))).toEqual(['HIGH', 'HIGH', 'MEDIUM', 'MEDIUM', 'LOW', 'MEDIUM']);
    expect(r.sections[4]!.sources).toEqual([{ label: '蒸餾推理模型的實務筆記', url: 'https://example.org/blog/distilling-reasoning', kind: 'WEB', domain: 'example.org' }]);
  });

  it('returns null for an unknown slug, an unknown id and a malformed id', async () => {
    const res = await gql(server.url, `{ report(slug: "nope") { id } item(id: "${randomUUID()}") { id } bad: item(id: "not-a-uuid") { id } entity(name: "nobody") { id } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ report: null, item: null, bad: null, entity: null });
  });

  it('never returns drafts, their items or entities only they name', async () => {
    const res = await gql<{ report: unknown; latestReport: { slug: string }; reports: { edges: { node: { slug: string } }[] }; items: { edges: { node: { title: string } }[] }; entity: unknown }>(
      server.url,
      `{ report(slug: "secret-draft") { id } latestReport { slug } reports(first: 100) { edges { node { slug } } }
         items(first: 100) { edges { node { title } } } entity(name: "Only In Draft") { id } }`,
    );
    expect(res.data!.report).toBeNull();
    expect(res.data!.latestReport.slug).not.toBe('secret-draft');
    expect(res.data!.reports.edges.map((e) => e.node.slug)).not.toContain('secret-draft');
    expect(res.data!.items.edges.map((e) => e.node.title)).not.toContain('Draft-only item');
    expect(res.data!.entity).toBeNull();
  });

  it('lists reports newest first and filters them by tag and date', async () => {
    const res = await gql<{ all: { edges: { node: { slug: string } }[]; totalCount: number }; tagged: { edges: { node: { slug: string } }[] }; ranged: { totalCount: number } }>(
      server.url,
      `{ all: reports { totalCount edges { node { slug } } }
         tagged: reports(filter: { tags: ["rlhf"] }) { edges { node { slug } } }
         ranged: reports(filter: { from: "2026-11-20T00:00:00Z", to: "2026-11-21T23:59:59Z" }) { totalCount } }`,
    );
    expect(res.errors).toBeUndefined();
    const expected = ['2026-11-21-ai-digest-en', '2026-11-20-ai-intel', ...(corpusAvailable ? ['2025-11-25-ai-intel'] : [])];
    expect(res.data!.all.edges.map((e) => e.node.slug)).toEqual(expected);
    expect(res.data!.all.totalCount).toBe(expected.length);
    expect(res.data!.tagged.edges.map((e) => e.node.slug)).toEqual(['2026-11-20-ai-intel', ...(corpusAvailable ? ['2025-11-25-ai-intel'] : [])]);
    expect(res.data!.ranged.totalCount).toBe(1);
  });

  describe('pagination', () => {
    const page = (first: number, after?: string | null) =>
      gql<{ items: { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number } }>(
        server.url,
        'query($first: Int, $after: String) { items(first: $first, after: $after, filter: { reportSlug: "2026-11-20-ai-intel" }) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }',
        { first, after },
      );

    it('walks every item exactly once, in order, and ends on hasNextPage false', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 10; guard++) {
        const res = await page(4, after);
        expect(res.errors).toBeUndefined();
        const conn = res.data!.items;
        seen.push(...conn.edges.map((e) => e.node.id));
        expect(conn.totalCount).toBe(6);
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      const all = await page(100);
      expect(seen).toEqual(all.data!.items.edges.map((e) => e.node.id));
      expect(new Set(seen).size).toBe(6);
    });

    it('an empty page (first: 0) and a page past the end', async () => {
      const empty = await page(0);
      expect(empty.data!.items).toMatchObject({ edges: [], pageInfo: { hasNextPage: true, endCursor: null }, totalCount: 6 });
      const all = await page(6);
      expect(all.data!.items.pageInfo.hasNextPage).toBe(false);
      const past = await page(5, all.data!.items.pageInfo.endCursor);
      expect(past.data!.items.edges).toEqual([]);
      expect(past.data!.items.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    });

    it('refuses a bad cursor and a page over 100, naming the argument', async () => {
      const bad = await page(5, 'not-a-cursor');
      expect(bad.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(bad.errors![0]!.message).toMatch(/^after: /);
      const big = await page(101);
      expect(big.errors![0]).toMatchObject({ message: 'first: must be at most 100', extensions: { code: 'BAD_USER_INPUT', argument: 'first', max: 100 } });
      const negative = await page(-1);
      expect(negative.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      const reportCursor = await gql(server.url, '{ reports(after: "WyJ4Il0") { totalCount } }');
      expect(reportCursor.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('item filters mean the same in SQL and in the shared matcher', () => {
    type Row = {
      id: string;
      importance: string | null;
      publishedAt: string;
      tags: string[];
      section: { key: string };
      report: { slug: string };
      entities: { key: string; name: string; aliases: string[] }[];
      title: string;
      summary: string | null;
      details: string | null;
      applications: string | null;
      body: string | null;
      extra: { label: string; text: string }[];
      sources: { label: string }[];
    };
    let all: Row[];
    beforeAll(async () => {
      // Aliases before reading: filters name entities by them, and the matcher gets them as an event carries them.
      await aliasEntity(db.db, 'Reinforcement Learning from Human Feedback', 'RLHF');
      await aliasEntity(db.db, 'Quokka Rewards', 'rlvr');
      // In pages of 50: every field the search document is built from would cost more than one page allows.
      all = [];
      let after: string | null = null;
      do {
        const res: Awaited<ReturnType<typeof gql<{ items: { edges: { node: Row }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>>> = await gql(
          server.url,
          `query($after: String) { items(first: 50, after: $after) { edges { node { ${ITEM_FIELDS} entities { name aliases } summary details applications body extra { label text } sources { label } } } pageInfo { hasNextPage endCursor } } }`,
          { after },
        );
        expect(res.errors).toBeUndefined();
        all.push(...res.data!.items.edges.map((e) => e.node));
        after = res.data!.items.pageInfo.hasNextPage ? res.data!.items.pageInfo.endCursor : null;
      } while (after);
    });
    const rank = { HIGH: 3, MEDIUM: 2, LOW: 1 } as Record<string, number>;

    it.each<[string, ItemFilterInput]>([
      ['HIGH only', { minImportance: 'HIGH' }],
      ['MEDIUM and up', { minImportance: 'MEDIUM' }],
      ['a tag, any case', { tags: ['rlhf'] }],
      ['tags any-of', { tags: ['代理', 'GPU'] }],
      ['an entity by name', { entities: ['RLVR'] }],
      ['an entity by an alias', { entities: ['reinforcement learning from human feedback'] }],
      ['entities by alias and by name, any-of', { entities: ['QUOKKA  REWARDS', 'RLHF'] }],
      ['a search word only an alias holds', { query: 'quokka' }],
      ['sections', { sections: ['tools-resources', 'industry-applications'] }],
      ['one report, HIGH', { reportSlug: '2026-11-21-ai-digest-en', minImportance: 'HIGH' }],
      ['a date window', { from: new Date('2026-11-19T12:00:00Z'), to: new Date('2026-11-20T12:00:00Z') }],
      ['nothing matches', { tags: ['no-such-tag'] }],
      ['a search word, Traditional', { query: '獎勵' }],
      ['a search word, Simplified, with a tag', { query: '奖励', tags: ['RLHF'] }],
      ['English, any case', { query: 'rlhf' }],
      ['a phrase', { query: '"reward hacking"' }],
      ['an exclusion', { query: '模型 -獎勵' }],
      ['one character', { query: '獎' }],
      ['mixed words', { query: 'CodeReason 14B' }],
      ['mixed scripts', { query: '蒸餾 7B' }],
      ['a hyphenated word as a phrase', { query: 'LLM-as-a-Judge' }],
      ['search and importance', { query: '模型', minImportance: 'MEDIUM' }],
      ['a blank query is no condition', { query: '  ' }],
    ])('%s', async (_name, input) => {
      const res = await gql<{ items: { totalCount: number; edges: { node: { id: string } }[] } }>(
        server.url,
        'query($f: ItemFilter) { items(first: 100, filter: $f) { totalCount edges { node { id } } } }',
        { f: input },
      );
      expect(res.errors).toBeUndefined();
      const filter = normaliseItemFilter(input);
      const expected = all
        .filter((i) =>
          matchesItem(filter, {
            importanceRank: i.importance ? rank[i.importance]! : 0,
            tagKeys: i.tags.map((t) => t.normalize('NFKC').toLowerCase()),
            sectionKey: i.section.key,
            // As an event carries them: the entities' keys and their aliases' keys.
            entityKeys: i.entities.flatMap((e) => [e.key, ...e.aliases.map(normaliseKey)]),
            reportSlug: i.report.slug,
            publishedAt: new Date(i.publishedAt),
            // Rebuilt from what the API returns, then matched in JS: the SQL matched the stored document.
            searchDoc: () => parseSearchVector(buildSearchVector({ ...i, entities: i.entities.flatMap((e) => [e.name, ...e.aliases]), sources: i.sources.map((s) => s.label) })),
          }),
        )
        .map((i) => i.id);
      // Every case but the empty one selects something, so agreeing says something.
      if (!/nothing/.test(_name)) expect(expected.length).toBeGreaterThan(0);
      expect(res.data!.items.edges.map((e) => e.node.id)).toEqual(expected);
      expect(res.data!.items.totalCount).toBe(expected.length);
    });

    it('refuses a filter whose window is reversed', async () => {
      const res = await gql(server.url, '{ items(filter: { from: "2026-12-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }) { totalCount } }');
      expect(res.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'filter.from' } });
    });
  });

  it('reads an entity across reports by any spelling of its name', async () => {
    const res = await gql<{ entity: { name: string; key: string; mentionCount: number; firstSeen: string; lastSeen: string; items: { totalCount: number; edges: { node: { report: { slug: string } } }[] } } }>(
      server.url,
      '{ entity(name: "  ｒｌｈｆ ") { name key mentionCount firstSeen lastSeen items(first: 10) { totalCount edges { node { report { slug } } } } } }',
    );
    expect(res.errors).toBeUndefined();
    const e = res.data!.entity;
    expect(e.key).toBe('rlhf');
    expect(e.items.edges.map((x) => x.node.report.slug).slice(0, 2)).toEqual(['2026-11-21-ai-digest-en', '2026-11-20-ai-intel']);
    expect(e.mentionCount).toBe(e.items.totalCount);
    expect(e.lastSeen).toBe('2026-11-21T06:30:00.000Z');
  });

  it('masks an unexpected failure and names no SQL', async () => {
    // A cursor that decodes to a valid shape but an impossible date reaches no SQL: still a clean error.
    const res = await gql(server.url, `{ items(after: "${Buffer.from(JSON.stringify(['9999-99-99', 1, randomUUID()])).toString('base64url')}") { totalCount } }`);
    expect(res.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res)).not.toMatch(/select|from "items"/i);
  });
});

(corpusAvailable ? describe : describe.skip)('the seed through GraphQL', () => {
  let db: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    await store(db, seedReport());
    server = await startTestServer(db);
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
  });

  it('has the exact counts', async () => {
    const res = await gql<{ report: { sections: { items: { importance: string; sources: unknown[] }[] }[]; stats: unknown; keywords: string[]; itemCount: number; watchlist: string[] } }>(
      server.url,
      '{ report(slug: "2025-11-25-ai-intel") { itemCount stats { articleCount topicCount } keywords watchlist sections { items { importance sources { url } } } } }',
    );
    const r = res.data!.report;
    const items = r.sections.flatMap((s) => s.items);
    expect(r.sections).toHaveLength(8);
    expect(items).toHaveLength(30);
    expect(r.itemCount).toBe(30);
    expect(['HIGH', 'MEDIUM', 'LOW'].map((l) => items.filter((i) => i.importance === l).length)).toEqual([3, 20, 7]);
    expect(r.stats).toEqual({ articleCount: 254, topicCount: 30 });
    expect(r.keywords).toHaveLength(12);
    expect(r.watchlist).toHaveLength(5);
  });
});
