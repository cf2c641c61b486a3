/**
 * npm run bench:search — search on real Postgres (BENCH_DATABASE_URL, default the local server).
 * Loads BENCH_REPORTS synthetic digests (default 3,650: ten years, 109,500 items, Chinese text of
 * realistic length), then measures, one query at a time, p50 and p95 of a search page (the page's
 * SQL and its totalCount, as the API runs them) for 1-, 2- and 4-character Chinese, English and
 * mixed queries, with EXPLAIN ANALYZE; and the publish of a 30-item digest with and without the
 * GIN index. Prints a Markdown section to add to bench/RESULTS.md.
 */
import { performance } from 'node:perf_hooks';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { openDatabase, type Db } from '../src/db/client';
import * as tables from '../src/db/tables';
import { normaliseItemFilter } from '../src/modules/items/item-filter';
import { refreshAllEntityStats, storeReport } from '../src/modules/publishing/publishing.service';
import { parseSearchQuery, toTsquery } from '../src/modules/search/search-query';
import { entitiesByIds, trending } from '../src/modules/entities/entity-trends.repository';
import { COUNT_CAP, countSearch, RANK_WINDOW, searchItems } from '../src/modules/search/search.repository';
import { syntheticDigest } from './corpus';
import { freshDatabase } from './setup';

const REPORTS = Number(process.env.BENCH_REPORTS ?? 3650);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const PUBLISHES = 8;

const QUERIES: [kind: string, query: string][] = [
  ['Chinese, 1 character', '晶'],
  ['Chinese, 2 characters', '推理'],
  ['Chinese, 4 characters (Traditional)', '資料中心'],
  ['Chinese, 4 characters (Simplified)', '强化学习'],
  ['English word', 'latency'],
  ['English, two words', 'GPU benchmark'],
  ['mixed', 'RAG 部署'],
  ['phrase', '"open-weights 模型"'],
  ['rare (one report)', '#3000-7'],
];

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function main(): Promise<void> {
  const url = await freshDatabase('digestql_bench_search');
  const database = await openDatabase({ url, poolMax: 4 });
  await database.migrate();
  const t0 = performance.now();
  for (let i = 0; i < REPORTS; i++) {
    await storeReport(database.db, syntheticDigest(i), { deferEntityStats: true });
    if (i % 365 === 364) console.error(`loaded ${i + 1} reports (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await refreshAllEntityStats(database.db);
  const client = postgres(url, { max: 1, onnotice: () => undefined });
  await client.unsafe('VACUUM ANALYZE items');

  const rows: string[] = [];
  const filter = normaliseItemFilter({});
  let explain = '';
  for (const [kind, q] of QUERIES) {
    const parsed = parseSearchQuery(q);
    const ts = { match: toTsquery(parsed), rank: toTsquery({ include: parsed.include, exclude: [] }) };
    const page: number[] = [];
    const withCount: number[] = [];
    let total = '';
    for (let i = 0; i < RUNS + 5; i++) {
      const start = performance.now();
      await searchItems(database.db, ts, filter, 21, null);
      const paged = performance.now();
      const counted = await countSearch(database.db, ts, filter);
      total = counted.exact ? String(counted.count) : `${counted.count}+ (capped)`;
      if (i >= 5) {
        page.push(paged - start);
        withCount.push(performance.now() - start);
      }
    }
    const p = (xs: number[]): string => `${quantile(xs, 0.5).toFixed(1)} / ${quantile(xs, 0.95).toFixed(1)}`;
    rows.push(`| ${kind} | \`${q}\` | ${total} | ${p(page)} | ${p(withCount)} |`);
    console.error(rows.at(-1));
    if (kind === 'Chinese, 2 characters' || kind.startsWith('rare')) {
      // The SQL the repository sends, captured, then explained with its parameters.
      const captured: { query: string; params: unknown[] }[] = [];
      const logged = drizzle({ client, schema: tables, logger: { logQuery: (query, params) => void captured.push({ query, params }) } }) as unknown as Db;
      await searchItems(logged, ts, filter, 21, null);
      await countSearch(logged, ts, filter);
      for (const c of captured) {
        const plan = (await client.unsafe(`EXPLAIN (ANALYZE, COSTS OFF) ${c.query}`, c.params as never[])) as unknown as { 'QUERY PLAN': string }[];
        explain += `-- ${q}: ${c.query}\n${plan.map((r) => r['QUERY PLAN']).join('\n')}\n\n`;
      }
    }
  }

  // trendingEntities(WEEK) at the newest report: the window's mentions against the week before, 20 entities.
  const end = new Date(Date.UTC(2016, 0, 1) + REPORTS * 86_400_000);
  const week = 7 * 86_400_000;
  const trendTimes: number[] = [];
  for (let i = 0; i < RUNS + 5; i++) {
    const start = performance.now();
    const top = await trending(database.db, new Date(end.getTime() - week), end, new Date(end.getTime() - 2 * week), 20);
    await entitiesByIds(database.db, top.map((t) => t.entityId));
    if (i >= 5) trendTimes.push(performance.now() - start);
  }
  rows.push(`| trendingEntities(WEEK) | 20 entities | | ${quantile(trendTimes, 0.5).toFixed(1)} / ${quantile(trendTimes, 0.95).toFixed(1)} | |`);
  console.error(rows.at(-1));

  // Publish of a new 30-item digest, with the GIN index and without it (the document is built either way).
  const publishTimes = async (from: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < PUBLISHES; i++) {
      const start = performance.now();
      await storeReport(database.db, syntheticDigest(from + i));
      out.push(performance.now() - start);
    }
    return out;
  };
  const withIndex = await publishTimes(REPORTS);
  await client.unsafe('DROP INDEX items_search_idx');
  const withoutIndex = await publishTimes(REPORTS + PUBLISHES);
  await client.end();
  await database.close();

  const median = (xs: number[]): number => quantile(xs, 0.5);
  console.log(`## Search benchmark (${new Date().toISOString().slice(0, 10)})

Corpus: ${REPORTS} synthetic reports × 30 items (${REPORTS * 30} items), on local PostgreSQL, one query at a time,
${RUNS} runs each after 5 warm-up runs. A run is what \`search(first: 20) { totalCount … }\` sends: the page (21 rows,
ranked among the newest ${RANK_WINDOW} matches) and the count of the matches, exact up to ${COUNT_CAP} (beyond, "${COUNT_CAP}+").

| query kind | query | matches | page p50 / p95 ms | page + totalCount p50 / p95 ms |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

Publish of a 30-item digest (median of ${PUBLISHES}): ${median(withIndex).toFixed(0)} ms with the GIN index,
${median(withoutIndex).toFixed(0)} ms without it (${((median(withIndex) / median(withoutIndex) - 1) * 100).toFixed(0)}%).

\`\`\`
${explain.trim()}
\`\`\`
`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
