import { normaliseKey } from '../../src/ingest';
import { plainItem, reportOf, store } from '../support/fixtures';
import { gql, serveTestDatabase } from '../support/server';

const e = (...names: string[]) => ({ entities: names.map((name) => ({ name, key: normaliseKey(name) })) });

describe('entity trends, timelines and co-mentions on a corpus with known counts', () => {
  const ctx = serveTestDatabase({
    seed: async (db) => {
      // Previous week (Monday 2026-09-28): X twice, Y once.
      await store(db, reportOf('w1', '2026-09-28T08:00:00Z', [plainItem(1, 'a', e('Xeno', 'Ypsilon')), plainItem(2, 'b', e('Xeno'))]));
      // This week (Tuesday 2026-10-06): X once, Y three times, Z twice.
      await store(db, reportOf('w2', '2026-10-06T08:00:00Z', [plainItem(1, 'c', e('Ypsilon', 'Zeta')), plainItem(2, 'd', e('Ypsilon', 'Zeta')), plainItem(3, 'f', e('Ypsilon', 'Xeno'))]));
      // A draft counts nowhere.
      await store(db, reportOf('w3', '2026-10-07T08:00:00Z', [plainItem(1, 'g', e('Xeno', 'Zeta')), plainItem(2, 'h', e('Xeno'))], true));
    },
  });

  it('trendingEntities: mentions in the window against the window before, rising most first', async () => {
    const res = await gql<{ trendingEntities: unknown[] }>(
      ctx.server.url,
      '{ trendingEntities(window: WEEK, at: "2026-10-08T00:00:00Z") { entity { name } mentions previousMentions change } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.trendingEntities).toEqual([
      { entity: { name: 'Ypsilon' }, mentions: 3, previousMentions: 1, change: 2 },
      { entity: { name: 'Zeta' }, mentions: 2, previousMentions: 0, change: null },
      { entity: { name: 'Xeno' }, mentions: 1, previousMentions: 2, change: -0.5 },
    ]);
    const day = await gql<{ trendingEntities: { entity: { name: string } }[] }>(ctx.server.url, '{ trendingEntities(window: DAY, at: "2026-10-06T12:00:00Z", first: 1) { entity { name } } }');
    expect(day.data!.trendingEntities.map((t) => t.entity.name)).toEqual(['Ypsilon']);
  });

  it('Entity.timeline: per bucket, empty buckets included, drafts left out', async () => {
    const res = await gql<{ entity: { days: unknown[]; weeks: unknown[]; all: unknown[] } }>(
      ctx.server.url,
      `{ entity(name: "ypsilon") {
          days: timeline(from: "2026-09-28T00:00:00Z", to: "2026-10-06T23:59:59Z") { start mentions }
          weeks: timeline(from: "2026-09-28T00:00:00Z", to: "2026-10-11T00:00:00Z", bucket: WEEK) { start mentions }
          all: timeline(bucket: MONTH) { start mentions } } }`,
    );
    expect(res.errors).toBeUndefined();
    const days = res.data!.entity.days as { start: string; mentions: number }[];
    expect(days).toHaveLength(9);
    expect(days.map((d) => d.mentions)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 3]);
    expect(days[0]!.start).toBe('2026-09-28T00:00:00.000Z');
    expect(res.data!.entity.weeks).toEqual([
      { start: '2026-09-28T00:00:00.000Z', mentions: 1 },
      { start: '2026-10-05T00:00:00.000Z', mentions: 3 },
    ]);
    expect(res.data!.entity.all).toEqual([
      { start: '2026-09-01T00:00:00.000Z', mentions: 1 },
      { start: '2026-10-01T00:00:00.000Z', mentions: 3 },
    ]);
    const xeno = await gql<{ entity: { timeline: { mentions: number }[] } }>(ctx.server.url, '{ entity(name: "Xeno") { timeline(from: "2026-10-07T00:00:00Z", to: "2026-10-07T23:00:00Z") { mentions } } }');
    expect(xeno.data!.entity.timeline).toEqual([{ mentions: 0 }]);
    const tooMany = await gql(ctx.server.url, '{ entity(name: "Xeno") { timeline(from: "2000-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z") { mentions } } }');
    expect(tooMany.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'from' } });
  });

  it('Entity.related: co-mentioned most often first, ties by name, batched for a list of entities', async () => {
    const res = await gql<{ y: { related: { name: string }[] }; x: { related: { name: string }[] }; z: { related: { name: string }[] } }>(
      ctx.server.url,
      '{ y: entity(name: "Ypsilon") { related { name } } x: entity(name: "Xeno") { related(first: 5) { name } } z: entity(name: "Zeta") { related(first: 1) { name } } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.y.related.map((r) => r.name)).toEqual(['Xeno', 'Zeta']);
    // The draft's Xeno+Zeta item is not a co-mention.
    expect(res.data!.x.related.map((r) => r.name)).toEqual(['Ypsilon']);
    expect(res.data!.z.related.map((r) => r.name)).toEqual(['Ypsilon']);
  });
});
