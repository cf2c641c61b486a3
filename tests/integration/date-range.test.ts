import { normaliseItemFilter } from '../../src/modules/items/item-filter';
import { exampleReport, store } from '../support/fixtures';
import { gql, serveTestDatabase } from '../support/server';

/** Instants Postgres's timestamptz cannot take (year 0) are refused where they enter, never a 500. */
describe('DateTime arguments outside years 0001-9999', () => {
  const ctx = serveTestDatabase({ seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });

  const refused = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await gql(ctx.server.url, query, variables);
    expect(res.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(res.errors?.[0]?.message).toMatch(/0001-01-01/);
    return res.errors![0]!;
  };

  it('refuses year 0 in item, search and timeline arguments, as literals and as variables', async () => {
    await refused('{ items(filter: { from: "0000-01-01T00:00:00Z" }) { totalCount } }');
    await refused('{ search(query: "RLHF", filter: { from: "0000-01-01T00:00:00Z" }) { totalCount } }');
    await refused('{ entity(name: "RLHF") { timeline(from: "0000-01-01T00:00:00Z", to: "0000-01-02T00:00:00Z") { mentions } } }');
    await refused('{ trendingEntities(at: "0000-01-01T00:00:00Z") { mentions } }');
    const v = await refused('query($f: DateTime) { items(filter: { from: $f }) { totalCount } }', { f: '0000-01-01T00:00:00Z' });
    expect(v.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a trend `at` whose earlier window would start before year 1, naming `at`', async () => {
    const err = await refused('{ trendingEntities(at: "0001-01-05T00:00:00Z") { mentions } }');
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'at' });
    const ok = await gql(ctx.server.url, '{ trendingEntities(window: DAY, at: "0001-03-01T00:00:00Z") { mentions } e: entity(name: "RLHF") { timeline(from: "0001-01-01T00:00:00Z", to: "0001-01-03T00:00:00Z") { start mentions } } }');
    expect(ok.errors).toBeUndefined();
    expect((ok.data as { e: { timeline: { start: string }[] } }).e.timeline.map((b) => b.start)).toEqual(['0001-01-01T00:00:00.000Z', '0001-01-02T00:00:00.000Z', '0001-01-03T00:00:00.000Z']);
  });

  it('feeds answer 400 naming the parameter; stored filters (webhooks) are checked too', async () => {
    const res = await fetch(`${ctx.server.url}/feeds/items.rss?from=0000-01-01T00:00:00Z`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^from: must be between 0001-01-01/);
    expect(() => normaliseItemFilter({ to: '0000-12-31T23:59:59Z' as unknown as Date })).toThrow(/filter\.to: must be between/);
  });
});
