import { normaliseKey } from '../../src/ingest';
import { createApiKey } from '../../src/modules/auth/api-keys';
import { plainItem, reportOf, store } from '../support/fixtures';
import { gql, PUBLISH_TOKEN, serveTestDatabase } from '../support/server';
import { subscriptionsLive } from '../support/wait';
import { subscribe } from '../support/ws-client';

const e = (...names: string[]) => ({ entities: names.map((name) => ({ name, key: normaliseKey(name) })) });

const ALIAS = 'mutation($alias: String!, $canonical: String!) { aliasEntity(alias: $alias, canonical: $canonical) { name key mentionCount aliases } }';
const UNALIAS = 'mutation($alias: String!) { removeEntityAlias(alias: $alias) { name aliases } }';
type Aliased = { aliasEntity: { name: string; key: string; mentionCount: number; aliases: string[] } };

describe('entity aliases: one entity under several names', () => {
  const ctx = serveTestDatabase({
    seed: async (db) => {
      // Previous week: OpenAI once, "Open AI" once (a separate entity until aliased).
      await store(db, reportOf('w1', '2026-09-28T08:00:00Z', [plainItem(1, 'a', e('OpenAI')), plainItem(2, 'b', e('Open AI', 'Zeta'))]));
      // This week: an item naming both spellings, one naming only the alias, and 阿里巴巴.
      await store(db, reportOf('w2', '2026-10-06T08:00:00Z', [plainItem(1, 'c', e('OpenAI', 'Open AI')), plainItem(2, 'd', e('Open AI')), plainItem(3, 'f', e('阿里巴巴'))]));
      // A draft's mention moves with the merge but counts nowhere.
      await store(db, reportOf('w3', '2026-10-07T08:00:00Z', [plainItem(1, 'g', e('Open AI'))], true));
    },
  });
  let admin: Record<string, string>;
  beforeAll(async () => {
    admin = { authorization: `Bearer ${(await createApiKey(ctx.db.db, { name: 'admin', scopes: ['admin'] })).key}` };
  });

  const searchTitles = async (query: string): Promise<string[]> => {
    const res = await gql<{ search: { edges: { node: { title: string } }[] } }>(ctx.server.url, 'query($q: String!) { search(query: $q, first: 50) { edges { node { title } } } }', { q: query });
    expect(res.errors).toBeUndefined();
    return res.data!.search.edges.map((x) => x.node.title).sort();
  };
  const filteredTitles = async (entities: string[]): Promise<string[]> => {
    const res = await gql<{ items: { totalCount: number; edges: { node: { title: string } }[] } }>(
      ctx.server.url,
      'query($e: [String!]) { items(first: 50, filter: { entities: $e }) { totalCount edges { node { title } } } }',
      { e: entities },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.items.totalCount).toBe(res.data!.items.edges.length);
    return res.data!.items.edges.map((x) => x.node.title).sort();
  };

  it('refuses callers without the admin scope', async () => {
    const vars = { alias: 'Open AI', canonical: 'OpenAI' };
    const anonymous = await gql(ctx.server.url, ALIAS, vars);
    expect(anonymous.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', scope: 'admin' });
    const reader = (await createApiKey(ctx.db.db, { name: 'reader', scopes: ['read', 'publish'] })).key;
    for (const token of [reader, PUBLISH_TOKEN]) {
      const res = await gql(ctx.server.url, ALIAS, vars, { authorization: `Bearer ${token}` });
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', scope: 'admin' });
      const un = await gql(ctx.server.url, UNALIAS, { alias: 'Open AI' }, { authorization: `Bearer ${token}` });
      expect(un.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN' });
    }
    // Nothing changed: the two spellings are still two entities.
    const res = await gql<{ entity: { name: string; mentionCount: number; aliases: string[] } }>(ctx.server.url, '{ entity(name: "open ai") { name mentionCount aliases } }');
    expect(res.data!.entity).toEqual({ name: 'Open AI', mentionCount: 3, aliases: [] });
  });

  it('merges an existing entity into the canonical one: mentions, counts, lookups, filters, trends', async () => {
    expect(await searchTitles('OpenAI')).toEqual(['a', 'c']);
    const res = await gql<Aliased>(ctx.server.url, ALIAS, { alias: '  open   AI ', canonical: 'ＯＰＥＮＡＩ' }, admin);
    expect(res.errors).toBeUndefined();
    // a, c (OpenAI) and b, c, d (Open AI): c named both and counts once; the draft g not at all.
    expect(res.data!.aliasEntity).toEqual({ name: 'OpenAI', key: 'openai', mentionCount: 4, aliases: ['open AI'] });

    for (const name of ['Open AI', 'openai', 'OPEN  AI']) {
      const found = await gql<{ entity: { name: string; items: { totalCount: number } } }>(ctx.server.url, 'query($n: String!) { entity(name: $n) { name items { totalCount } } }', { n: name });
      expect(found.data!.entity).toEqual({ name: 'OpenAI', items: { totalCount: 4 } });
    }
    expect(await filteredTitles(['Open AI'])).toEqual(['a', 'b', 'c', 'd']);
    expect(await filteredTitles(['OpenAI'])).toEqual(['a', 'b', 'c', 'd']);
    // An item lists the canonical entity once, whichever names it used.
    const c = await gql<{ items: { edges: { node: { entities: { name: string }[] } }[] } }>(ctx.server.url, '{ items(filter: { reportSlug: "w2" }, first: 1) { edges { node { entities { name } } } } }');
    expect(c.data!.items.edges[0]!.node.entities).toEqual([{ name: 'OpenAI' }]);

    const trends = await gql<{ trendingEntities: { entity: { name: string }; mentions: number; previousMentions: number }[] }>(
      ctx.server.url,
      '{ trendingEntities(window: WEEK, at: "2026-10-08T00:00:00Z") { entity { name } mentions previousMentions } }',
    );
    expect(trends.data!.trendingEntities.find((t) => t.entity.name === 'OpenAI')).toEqual({ entity: { name: 'OpenAI' }, mentions: 2, previousMentions: 2 });
    expect(trends.data!.trendingEntities.map((t) => t.entity.name)).not.toContain('Open AI');
    const timeline = await gql<{ entity: { timeline: { mentions: number }[] } }>(ctx.server.url, '{ entity(name: "Open AI") { timeline(bucket: WEEK) { mentions } } }');
    expect(timeline.data!.entity.timeline.map((t) => t.mentions)).toEqual([2, 2]);
  });

  it('search finds the canonical entity by any of its names, from the commit on', async () => {
    // a wrote "OpenAI", b and d "Open AI", c both: each is found by either name now.
    expect(await searchTitles('OpenAI')).toEqual(['a', 'b', 'c', 'd']);
    expect(await searchTitles('"open ai"')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('refuses an alias of itself, a cycle, an alias of another entity, an unknown canonical and an empty name', async () => {
    const errorOf = async (query: string, vars: Record<string, unknown>) => (await gql(ctx.server.url, query, vars, admin)).errors![0]!;
    expect(await errorOf(ALIAS, { alias: 'openai', canonical: 'OpenAI' })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'alias' }, message: expect.stringContaining('cannot be its own alias') });
    expect(await errorOf(ALIAS, { alias: 'OpenAI', canonical: 'Open AI' })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'canonical' }, message: expect.stringContaining('cycle') });
    expect(await errorOf(ALIAS, { alias: 'Open AI', canonical: 'Zeta' })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'alias' }, message: expect.stringContaining('already an alias of "OpenAI"') });
    expect(await errorOf(ALIAS, { alias: 'OAI', canonical: 'Nobody Inc' })).toMatchObject({ extensions: { code: 'NOT_FOUND', argument: 'canonical' }, message: 'canonical: no entity is named "Nobody Inc" (key "nobody inc"); name an entity that items mention' });
    expect(await errorOf(ALIAS, { alias: ' ', canonical: 'OpenAI' })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'alias' } });
    expect(await errorOf(ALIAS, { alias: 'x'.repeat(201), canonical: 'OpenAI' })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'alias' } });
    expect(await errorOf(UNALIAS, { alias: 'Zeta' })).toMatchObject({ extensions: { code: 'NOT_FOUND', argument: 'alias' } });
    // Idempotent; an alias named as the canonical means its entity (aliases never chain).
    expect((await gql<Aliased>(ctx.server.url, ALIAS, { alias: 'Open AI', canonical: 'OpenAI' }, admin)).data!.aliasEntity.name).toBe('OpenAI');
    const chained = await gql<Aliased>(ctx.server.url, ALIAS, { alias: 'OAI', canonical: 'open ai' }, admin);
    expect(chained.data!.aliasEntity).toMatchObject({ name: 'OpenAI', aliases: ['OAI', 'open AI'] });
    // Zeta is unchanged by the refusals.
    expect((await gql<{ entity: { mentionCount: number } }>(ctx.server.url, '{ entity(name: "Zeta") { mentionCount } }')).data!.entity.mentionCount).toBe(1);
  });

  it('later publishes attach the alias to the canonical entity; subscriptions filtered by either name receive them', async () => {
    expect((await gql<Aliased>(ctx.server.url, ALIAS, { alias: 'Alibaba', canonical: '阿里巴巴' }, admin)).errors).toBeUndefined();
    const SUB = 'subscription($e: [String!]) { itemPublished(filter: { entities: $e }) { item { title entities { name } } } }';
    type Ev = { itemPublished: { item: { title: string; entities: { name: string }[] } } };
    const byCanonical = subscribe<Ev>(ctx.server.url, SUB, { e: ['OpenAI'] });
    const byAlias = subscribe<Ev>(ctx.server.url, SUB, { e: ['open ai'] });
    const byChinese = subscribe<Ev>(ctx.server.url, SUB, { e: ['阿里巴巴'] });
    const byEnglish = subscribe<Ev>(ctx.server.url, SUB, { e: ['ALIBABA'] });
    try {
      await subscriptionsLive(ctx.server.url, 4);
      await store(
        ctx.db,
        reportOf('w4', '2026-10-09T08:00:00Z', [plainItem(1, 'x', e('Open AI')), plainItem(2, 'y', e('OpenAI')), plainItem(3, 'z', e('Alibaba')), plainItem(4, 'unrelated', e('Zeta'))]),
      );
      await store(ctx.db, reportOf('w5', '2026-10-10T08:00:00Z', [plainItem(1, 'sentinel', e('OAI', 'Alibaba'))]));
      const titles = async (s: typeof byCanonical, n: number) => (await s.waitFor(n)).map((r) => r.data!.itemPublished.item.title);
      expect(await titles(byCanonical, 3)).toEqual(['x', 'y', 'sentinel']);
      expect(await titles(byAlias, 3)).toEqual(['x', 'y', 'sentinel']);
      expect(await titles(byChinese, 2)).toEqual(['z', 'sentinel']);
      expect(await titles(byEnglish, 2)).toEqual(['z', 'sentinel']);
      expect((await byAlias.waitFor(1))[0]!.data!.itemPublished.item.entities).toEqual([{ name: 'OpenAI' }]);
    } finally {
      await Promise.all([byCanonical, byAlias, byChinese, byEnglish].map((s) => s.dispose()));
    }
    // No entity was made for an alias; the mentions joined the canonical ones.
    const ali = await gql<{ entity: { name: string; mentionCount: number; aliases: string[] } }>(ctx.server.url, '{ entity(name: "alibaba") { name mentionCount aliases } }');
    expect(ali.data!.entity).toEqual({ name: '阿里巴巴', mentionCount: 3, aliases: ['Alibaba'] });
    expect(await filteredTitles(['Alibaba'])).toEqual(['f', 'sentinel', 'z']);
    expect(await searchTitles('阿里巴巴')).toEqual(['f', 'sentinel', 'z']);
    expect(await searchTitles('alibaba')).toEqual(['f', 'sentinel', 'z']);
  });

  it('merging an entity that has aliases moves them; removing an alias keeps merged mentions and drops the name from search', async () => {
    expect((await gql<Aliased>(ctx.server.url, ALIAS, { alias: 'Z-Corp', canonical: 'Zeta' }, admin)).errors).toBeUndefined();
    const merged = await gql<Aliased>(ctx.server.url, ALIAS, { alias: 'Zeta', canonical: 'OpenAI' }, admin);
    expect(merged.data!.aliasEntity.aliases).toEqual(['OAI', 'open AI', 'Z-Corp', 'Zeta']);
    expect((await gql<{ entity: { name: string } }>(ctx.server.url, '{ entity(name: "z-corp") { name } }')).data!.entity.name).toBe('OpenAI');

    const removed = await gql<{ removeEntityAlias: { name: string; aliases: string[] } }>(ctx.server.url, UNALIAS, { alias: 'open ai' }, admin);
    expect(removed.data!.removeEntityAlias).toEqual({ name: 'OpenAI', aliases: ['OAI', 'Z-Corp', 'Zeta'] });
    // Items that wrote only "Open AI" keep that name; a (which wrote "OpenAI") is no longer found by it,
    // nor is c: naming both, it kept one mention of the entity, under the name it wrote first.
    expect(await searchTitles('"open ai"')).toEqual(['b', 'd', 'x']);
    expect(await filteredTitles(['Open AI'])).toEqual([]);
    expect((await gql(ctx.server.url, '{ entity(name: "Open AI") { name } }')).data).toEqual({ entity: null });
    // A later digest naming it makes an entity of its own.
    await store(ctx.db, reportOf('w6', '2026-10-11T08:00:00Z', [plainItem(1, 'later', e('Open AI'))]));
    expect((await gql(ctx.server.url, '{ entity(name: "Open AI") { name mentionCount } }')).data).toEqual({ entity: { name: 'Open AI', mentionCount: 1 } });
  });
});
