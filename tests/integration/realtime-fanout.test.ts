import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES_DIR } from '../support/corpus';
import { gql, PUBLISH_TOKEN, serveTestDatabase } from '../support/server';
import { until } from '../support/wait';
import { publishSentinel, resultsBeforeSentinel } from '../support/sentinel';
import { fanOutCost } from '../support/statements';
import { subscribe, type TestSubscription } from '../support/ws-client';

const ZH = readFileSync(join(EXAMPLES_DIR, '2026-11-20-ai-intel.md'), 'utf8');
const EN = readFileSync(join(EXAMPLES_DIR, '2026-11-21-ai-digest-en.md'), 'utf8');
const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
const PUBLISH_MD = `mutation($md: String!) { publishMarkdown(markdown: $md) { slug added } }`;
const SELECTION = `{ cursor type item { id title tags entities { name } sources { url } section { key } report { slug } } }`;
type Ev = { itemPublished: { cursor: string; item: { id: string } } };
type Filter = Record<string, unknown>;

/** Twenty distinct filters: each of these ten, once as it is and once with a `from` no item precedes. */
const BASE: Filter[] = [
  {},
  { minImportance: 'HIGH' },
  { minImportance: 'MEDIUM' },
  { tags: ['Agents'] },
  { tags: ['GPU', 'rlhf'] },
  { entities: ['CodeReason-14B'] },
  { sections: ['top-headlines'] },
  { from: '2026-11-21T00:00:00Z' },
  { to: '2026-11-20T23:59:59Z' },
  { reportSlug: '2026-11-20-ai-intel' },
];
const FILTERS: Filter[] = BASE.flatMap((f, i) => [f, { ...f, ...(f.from ? { to: `2030-01-0${1 + (i % 9)}T00:00:00Z` } : { from: `2000-01-01T00:00:0${i}Z` }) }]);

/** A filter as an inline GraphQL literal (enums bare). */
function literal(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${literal(x)}`).join(', ')} }`;
  return typeof v === 'string' && /^(HIGH|MEDIUM|LOW)$/.test(v) ? v : JSON.stringify(v);
}

/** Even subscribers pass their filter as a variable, odd ones inline. */
function subscriber(url: string, filter: Filter, i: number, selection = SELECTION): TestSubscription<Ev> {
  return i % 2 === 0
    ? subscribe<Ev>(url, `subscription($filter: ItemFilter) { itemPublished(filter: $filter) ${selection} }`, { filter })
    : subscribe<Ev>(url, `subscription { itemPublished(filter: ${literal(filter)}) ${selection} }`);
}

describe('subscribers with distinct filters', () => {
  const ctx = serveTestDatabase({ each: true, pollIntervalMs: 60_000 });
  const publish = async (md: string) => expect((await gql(ctx.server.url, PUBLISH_MD, { md }, auth)).errors).toBeUndefined();

  it('share one group per selection set, inline or by variable, and each gets exactly what its filter matches', async () => {
    const subs = FILTERS.map((f, i) => subscriber(ctx.server.url, f, i));
    await until(() => ctx.server.app.subscriptionGroups().members === FILTERS.length, 'every subscriber');
    expect(ctx.server.app.subscriptionGroups()).toEqual({ groups: 1, members: FILTERS.length });
    await publish(ZH);
    await publish(EN);
    for (const [i, filter] of FILTERS.entries()) {
      // The `items` query applies the same filter semantics.
      const res = await gql<{ items: { edges: { node: { id: string } }[] } }>(ctx.server.url, `query($filter: ItemFilter) { items(first: 100, filter: $filter) { edges { node { id } } } }`, { filter });
      const expected = res.data!.items.edges.map((e) => e.node.id).sort();
      const got = await subs[i]!.waitFor(expected.length);
      expect([JSON.stringify(filter), got.map((r) => r.data!.itemPublished.item.id).sort()]).toEqual([JSON.stringify(filter), expected]);
    }
    // Nothing beyond what matched: two later items that between them every filter matches
    // (one dated after 2026-11-21, one before it in the report the slug filter names) come right after.
    const counts = await Promise.all(
      FILTERS.map(async (filter) => (await gql<{ items: { totalCount: number } }>(ctx.server.url, `query($filter: ItemFilter) { items(filter: $filter) { totalCount } }`, { filter })).data!.items.totalCount),
    );
    const sentinels = [
      await publishSentinel(ctx.server.url, { importance: 'HIGH', tags: ['Agents', 'GPU'], entities: ['CodeReason-14B'], date: '2026-11-22' }),
      await publishSentinel(ctx.server.url, { importance: 'HIGH', date: '2026-11-19', slug: '2026-11-20-ai-intel' }),
    ];
    const before = await Promise.all(subs.map((s) => resultsBeforeSentinel(s, sentinels)));
    for (const [i] of FILTERS.entries()) expect(subs[i]!.results.every((r) => !r.errors)).toBe(true);
    expect(before).toEqual(counts);
    await Promise.all(subs.map((s) => s.dispose()));
    await until(() => ctx.server.app.subscriptionGroups().groups === 0, 'the group to close');
  }, 60_000);

  it('reads each event\'s data once, whatever the number of filters and selection sets', async () => {
    // Three selection sets that read the same data (three groups).
    const selections = [SELECTION, SELECTION.replace('cursor type', 'type cursor'), SELECTION.replace('item {', 'it: item {')];
    const statementsFor = async (sets: string[], filters: Filter[], md: string): Promise<number> => {
      const subs = sets.flatMap((sel) => filters.map((f, i) => subscriber(ctx.server.url, f, i, sel)));
      const { spent, groups } = await fanOutCost(ctx, subs, 6, () => publish(md));
      expect(groups).toBe(sets.length);
      return spent;
    };
    const one = await statementsFor(selections.slice(0, 1), [{}], ZH);
    // Ten distinct filters that all match every item, per selection set.
    const many = await statementsFor(selections, Array.from({ length: 10 }, (_, i) => ({ from: `2000-01-01T00:00:0${i}Z` })), EN);
    // Reading per group would add 2 groups × 6 loader statements; per subscriber, 29 × 6.
    expect(Math.abs(many - one)).toBeLessThan(6);
  }, 60_000);
});
