import { plainItem, reportOf, store } from '../support/fixtures';
import { serveTestDatabase } from '../support/server';
import { subscriptionsLive } from '../support/wait';
import { subscribe } from '../support/ws-client';

const SUB = `subscription($filter: ItemFilter) { itemPublished(filter: $filter) { type item { title } } }`;
type Ev = { itemPublished: { type: string; item: { title: string } } };

describe('live search: itemPublished(filter: { query })', () => {
  const ctx = serveTestDatabase({ each: true });

  it('delivers a published item that matches only by a search term, Traditional query for Simplified text', async () => {
    const judged = subscribe<Ev>(ctx.server.url, SUB, { filter: { query: '評判' } });
    const phrase = subscribe<Ev>(ctx.server.url, SUB, { filter: { query: '"supply chain" -rumour', minImportance: 'MEDIUM' } });
    await subscriptionsLive(ctx.server.url, 2);
    await store(
      ctx.db,
      reportOf('2026-12-01-live', '2026-12-01T08:00:00Z', [
        // No tag, entity or title word in common with the query: only the summary's text matches.
        plainItem(1, 'Benchmark update', { summary: '新的评判标准公布' }),
        plainItem(2, 'Unrelated news', { summary: '天气晴朗', details: 'chain of supply, not the phrase' }),
        plainItem(3, 'Chip makers', { details: 'The Supply-Chain outlook improves.' }),
        plainItem(4, 'Gossip', { details: 'A supply chain rumour.' }),
        plainItem(5, 'Low chain news', { details: 'supply chain', importance: 'LOW' }),
      ]),
    );
    // The sentinel arrives after everything published before it: what precedes it is all that matched.
    await store(ctx.db, reportOf('2026-12-02-live', '2026-12-02T08:00:00Z', [plainItem(1, 'Sentinel', { summary: '評判 supply chain' })]));
    expect((await judged.waitFor(2)).map((r) => r.data!.itemPublished.item.title)).toEqual(['Benchmark update', 'Sentinel']);
    expect((await phrase.waitFor(2)).map((r) => r.data!.itemPublished.item.title)).toEqual(['Chip makers', 'Sentinel']);
  });

  it('matches a removed item by its last text: the REMOVED event reaches the query subscriber', async () => {
    const sub = subscribe<Ev>(ctx.server.url, SUB, { filter: { query: 'wombatron' } });
    await subscriptionsLive(ctx.server.url, 1);
    const slug = '2026-12-03-live';
    await store(ctx.db, reportOf(slug, '2026-12-03T08:00:00Z', [plainItem(1, 'Keeps', { summary: 'nothing here' }), plainItem(2, 'Goes', { summary: 'the Wombatron launch' })]));
    await store(ctx.db, reportOf(slug, '2026-12-03T08:00:00Z', [plainItem(1, 'Keeps', { summary: 'nothing here' })]));
    await store(ctx.db, reportOf('2026-12-04-live', '2026-12-04T08:00:00Z', [plainItem(1, 'Sentinel 2', { summary: 'wombatron' })]));
    expect((await sub.waitFor(3)).map((r) => [r.data!.itemPublished.type, r.data!.itemPublished.item.title])).toEqual([
      ['PUBLISHED', 'Goes'],
      ['REMOVED', 'Goes'],
      ['PUBLISHED', 'Sentinel 2'],
    ]);
  });
});
