/**
 * npm run bench:query — read-path benchmark on real Postgres (BENCH_DATABASE_URL, default the local server).
 * Measures report(slug), items(minImportance: HIGH) and entity(name) at 20 concurrent connections with
 * 1 report loaded and with 10 years (3,650 reports × 30 items), against a bare node:http ceiling that runs
 * the same SQL. The response cache (issue 14): report(slug) answered from it, against a bare node:http
 * server sending the same bytes from memory, at 16 connections; and the first read after a publish
 * (a miss) against an uncached read. Writes bench/RESULTS.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { openDatabase, type Database, type Db } from '../src/db/client';
import * as tables from '../src/db/tables';
import { normaliseKey } from '../src/ingest';
import { findByKey, listItemsOfEntity } from '../src/modules/entities/entities.repository';
import { normaliseItemFilter } from '../src/modules/items/item-filter';
import { listItems } from '../src/modules/items/items.repository';
import { refreshAllEntityStats, storeReport } from '../src/modules/publishing/publishing.service';
import { NEWEST_INDEX, entityName, syntheticDigest } from './corpus';
import { load, type LoadResult } from './load';
import { freePort, freshDatabase } from './setup';
import { FULL_REPORT_PAGE } from '../tests/support/queries';

const ROOT = resolve(__dirname, '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const CONCURRENCY = 20;
/** The response cache's cases run at the connections its targets name. */
const CACHE_CONCURRENCY = 16;
const DB_NAME = 'digestql_bench';
/** Reports stored for the feed pages' baseline: 7 × 3 HIGH items fill a 20-item page. */
const FEED_BASELINE_REPORTS = 7;

const REPORT_QUERY = FULL_REPORT_PAGE;
const ITEMS_QUERY = `{ items(first: 20, filter: { minImportance: HIGH }) { totalCount edges { cursor node { id title summary importance tags report { slug } section { key } } } pageInfo { hasNextPage endCursor } } }`;
const ENTITY_QUERY = `query($name: String!) { entity(name: $name) { name mentionCount firstSeen lastSeen items(first: 20) { edges { node { id title importance report { slug } } } } } }`;

async function startChild(cmd: string[], env: Record<string, string>, ready: RegExp | null, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, cmd, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (ready && ready.test(out)) return child;
    if (!ready) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) return child;
    }
    if (child.exitCode !== null) throw new Error(`child exited: ${out}`);
  }
  throw new Error(`child did not start: ${out}`);
}

type Case = [name: string, url: string, init: Parameters<typeof load>[1], concurrency?: number];

async function measure(label: string, cases: Case[]): Promise<Record<string, LoadResult>> {
  const results: Record<string, LoadResult> = {};
  for (const [name, url, init, concurrency = CONCURRENCY] of cases) {
    await load(url, init, concurrency, 1500); // warm-up
    results[name] = await load(url, init, concurrency, DURATION);
    const r = results[name]!;
    console.log(`${label} | ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.bytes} B, ${r.errors} errors`);
  }
  return results;
}

const post = (query: string, variables: Record<string, unknown> = {}) => ({ method: 'POST' as const, body: JSON.stringify({ query, variables }) });

/** The SQL the items and entity pages run, captured from the repositories, with EXPLAIN ANALYZE on the full corpus. */
async function explainFeeds(dbUrl: string): Promise<string> {
  const client = postgres(dbUrl, { max: 1, onnotice: () => undefined });
  const captured: { query: string; params: unknown[] }[] = [];
  const db = drizzle({ client, schema: tables, logger: { logQuery: (query, params) => void captured.push({ query, params }) } }) as unknown as Db;
  await listItems(db, normaliseItemFilter({ minImportance: 'HIGH' }), 21, null);
  const entity = await findByKey(db, normaliseKey(entityName(1)));
  await listItemsOfEntity(db, entity!.id, 21, null);
  const out: string[] = [];
  for (const { query, params } of captured) {
    const rows = (await client.unsafe(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${query}`, params as never[])) as unknown as { 'QUERY PLAN': string }[];
    out.push(`${query}\n${rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}`);
  }
  await client.end();
  return out.join('\n\n');
}

const CACHED = 'report (response cache hits, 16 conn.)';
const MISS_ROUNDS = 15;

interface Latencies {
  p50: number;
  max: number;
}
const summary = (ms: number[]): Latencies => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
};

/**
 * The first read after a publish: the report re-published with a new title (one REPORT_PUBLISHED
 * event, which drops its entry), then read on the cached server until the new title comes back:
 * that read is the miss (checked by its x-response-cache header). Against the same read, one at a
 * time, on the uncached server.
 */
async function missAfterPublish(database: Database, report: ReturnType<typeof syntheticDigest>, cachedUrl: string, uncachedUrl: string): Promise<{ miss: Latencies; uncached: Latencies }> {
  const read = async (url: string) => {
    const started = process.hrtime.bigint();
    const res = await fetch(url, { ...post(REPORT_QUERY, { slug: report.slug }), headers: { 'content-type': 'application/json' } });
    const text = await res.text();
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, text, cache: res.headers.get('x-response-cache') };
  };
  const miss: number[] = [];
  const uncached: number[] = [];
  for (let round = 1; round <= MISS_ROUNDS; round++) {
    const title = `${report.title} (edition ${round} ${Date.now()})`;
    await storeReport(database.db, { ...report, title });
    const readMiss = async () => {
      for (;;) {
        const r = await read(cachedUrl);
        if (!r.text.includes(title)) continue; // the listener has not read the event yet: still the old entry
        if (r.cache !== 'miss') throw new Error(`the first read after a publish was ${r.cache}, not a miss`);
        miss.push(r.ms);
        return;
      }
    };
    const readUncached = async () => {
      for (;;) {
        const r = await read(uncachedUrl);
        if (!r.text.includes(title)) continue;
        uncached.push(r.ms);
        return;
      }
    };
    // The first read of the new rows after the commit pays for them (hint bits, cold pages): each side goes first in turn.
    if (round % 2) {
      await readMiss();
      await readUncached();
    } else {
      await readUncached();
      await readMiss();
    }
  }
  await storeReport(database.db, report);
  return { miss: summary(miss), uncached: summary(uncached) };
}

async function loadCorpus(database: Database, from: number, to: number): Promise<void> {
  let next = from;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < to) {
        const i = next++;
        await storeReport(database.db, syntheticDigest(i), { deferEntityStats: true });
        if (i % 250 === 0) console.log(`  stored ${i - from + 1}/${to - from} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
    }),
  );
}

async function main(): Promise<void> {
  const dbUrl = await freshDatabase(DB_NAME);
  const database = await openDatabase({ url: dbUrl });
  await database.migrate();
  const newest = syntheticDigest(NEWEST_INDEX);
  await storeReport(database.db, newest);

  if (!existsSync(join(ROOT, 'dist/src/cli.js'))) throw new Error('run npm run build first');
  const [gqlPort, cachePort, ceilingPort, cachedPort, bytesPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  // Rate limits off: the load generator is one IP asking as fast as it can. The response cache is
  // off but for the server that measures it.
  const env = { DATABASE_URL: dbUrl, LOG_LEVEL: 'warn', NODE_ENV: 'production', RATE_LIMIT_ANON_PER_MINUTE: '0', RATE_LIMIT_KEY_PER_MINUTE: '0', RESPONSE_CACHE_MB: '0' };
  const serve = (port: number, extra: Record<string, string> = {}) =>
    startChild(['dist/src/cli.js', 'serve'], { ...env, ...extra, PORT: String(port), HOST: '127.0.0.1' }, null, port);
  const gqlUrl = `http://127.0.0.1:${gqlPort}/graphql`;
  const cachedUrl = `http://127.0.0.1:${cachedPort}/graphql`;
  const reportRead = post(REPORT_QUERY, { slug: newest.slug });
  const start = async () => {
    const children = [
      await serve(gqlPort),
      await serve(cachePort, { APOLLO_CACHE_CONTROL: 'true' }),
      await startChild([require.resolve('tsx/cli'), 'bench/ceiling-server.ts'], { ...env, PORT: String(ceilingPort) }, /ceiling listening/, ceilingPort),
      await serve(cachedPort, { RESPONSE_CACHE_MB: '64' }),
    ];
    // The bytes ceiling answers what the cached server answers, byte for byte.
    const bytes = await (await fetch(cachedUrl, { ...reportRead, headers: { 'content-type': 'application/json' } })).text();
    children.push(await startChild([require.resolve('tsx/cli'), 'bench/ceiling-bytes.ts'], { PORT: String(bytesPort), BODY_B64: Buffer.from(bytes).toString('base64') }, /bytes ceiling listening/, bytesPort));
    return children;
  };
  const reportCases: Case[] = [
    ['report (GraphQL)', gqlUrl, reportRead],
    ['report (GraphQL, cache-control on)', `http://127.0.0.1:${cachePort}/graphql`, reportRead],
    ['report (ceiling)', `http://127.0.0.1:${ceilingPort}/report?slug=${newest.slug}`, { method: 'GET' }],
    ['report (response cache hits, 16 conn.)', cachedUrl, reportRead, CACHE_CONCURRENCY],
    ['report (same bytes from memory, 16 conn.)', `http://127.0.0.1:${bytesPort}/`, reportRead, CACHE_CONCURRENCY],
  ];
  const feedCases: Case[] = [
    ['items HIGH (GraphQL)', gqlUrl, post(ITEMS_QUERY)],
    ['entity top (GraphQL)', gqlUrl, post(ENTITY_QUERY, { name: entityName(1) })],
  ];

  let children = await start();
  const small = await measure('1 report', reportCases);
  const missSmall = await missAfterPublish(database, newest, cachedUrl, gqlUrl);
  // A report holds 3 HIGH items: the feed pages are compared at the smallest corpus that fills a
  // 20-item page (7 reports), so both sides return the same number of items.
  console.log(`storing the ${FEED_BASELINE_REPORTS - 1} reports before the newest…`);
  await loadCorpus(database, NEWEST_INDEX - FEED_BASELINE_REPORTS + 1, NEWEST_INDEX);
  await refreshAllEntityStats(database.db);
  Object.assign(small, await measure(`${FEED_BASELINE_REPORTS} reports`, feedCases));
  children.forEach((c) => c.kill('SIGTERM'));

  console.log('loading 10 years of digests…');
  await loadCorpus(database, 0, NEWEST_INDEX - FEED_BASELINE_REPORTS + 1);
  await refreshAllEntityStats(database.db);
  const adminDb = postgres(dbUrl, { max: 1, onnotice: () => undefined });
  // The steady state of a live database: autovacuum has run, statistics are current.
  await adminDb.unsafe('VACUUM ANALYZE');
  const [{ n }] = (await adminDb`SELECT count(*)::int AS n FROM items`) as unknown as [{ n: number }];
  await adminDb.end();

  children = await start();
  const all = await measure('3,650 reports', [...reportCases, ...feedCases]);
  const missAll = await missAfterPublish(database, newest, cachedUrl, gqlUrl);
  children.forEach((c) => c.kill('SIGTERM'));
  const plans = await explainFeeds(dbUrl);
  await database.close();

  const row = (name: string) => {
    const a = small[name]!;
    const b = all[name]!;
    const baseline = name.startsWith('report') ? '1 report' : `${FEED_BASELINE_REPORTS} reports`;
    return `| ${name} | ${baseline} | ${a.rps.toFixed(0)} | ${a.p50.toFixed(1)} / ${a.p99.toFixed(1)} | ${a.bytes} | ${b.rps.toFixed(0)} | ${b.p50.toFixed(1)} / ${b.p99.toFixed(1)} | ${b.bytes} | ${(((b.p50 - a.p50) / a.p50) * 100).toFixed(0)}% |`;
  };
  const ratio = (r: Record<string, LoadResult>, name = 'report (GraphQL)') => (r[name]!.rps / r['report (ceiling)']!.rps).toFixed(2);
  const cacheRatio = (r: Record<string, LoadResult>) => (r[CACHED]!.rps / r['report (same bytes from memory, 16 conn.)']!.rps).toFixed(2);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const section = `## Query benchmark (${new Date().toISOString().slice(0, 10)})

Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, PostgreSQL (local, default settings).
Load: ${CONCURRENCY} concurrent keep-alive connections, ${DURATION / 1000} s per case after a 1.5 s warm-up; client, API servers, ceiling and Postgres share the 2 cores.
Corpus: synthetic, 30 items per report (6 sections, 3 HIGH), 3–8 entities per item drawn from a Zipf distribution over 5,000 names; ${n} items when full.

| case | baseline | req/s | p50 / p99 ms | bytes | req/s (3,650 reports) | p50 / p99 ms | bytes | p50 change |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${[...reportCases, ...feedCases].map(([name]) => row(name)).join('\n')}

GraphQL report query ÷ ceiling (requests/s): **${ratio(small)}×** with 1 report, **${ratio(all)}×** with 3,650.
With Apollo's cache-control plugin on: ${ratio(small, 'report (GraphQL, cache-control on)')}× and ${ratio(all, 'report (GraphQL, cache-control on)')}×.

Response cache (RESPONSE_CACHE_MB=64): hits ÷ the same bytes from memory (bench/ceiling-bytes.ts, node:http), at
${CACHE_CONCURRENCY} connections: **${cacheRatio(small)}×** with 1 report, **${cacheRatio(all)}×** with 3,650 (target ≥ 0.5×); hit p99
${small[CACHED]!.p99.toFixed(1)} ms and ${all[CACHED]!.p99.toFixed(1)} ms (target ≤ 10 ms).
First read after a publish (a miss on the cached server; ${MISS_ROUNDS} publishes, each read alone) against the same read
on the uncached server: p50 ${missSmall.miss.p50.toFixed(1)} vs ${missSmall.uncached.p50.toFixed(1)} ms with 1 report, ${missAll.miss.p50.toFixed(1)} vs ${missAll.uncached.p50.toFixed(1)} ms with 3,650
(max ${missSmall.miss.max.toFixed(1)} vs ${missSmall.uncached.max.toFixed(1)} and ${missAll.miss.max.toFixed(1)} vs ${missAll.uncached.max.toFixed(1)} ms).
The ceiling is \`bench/ceiling-server.ts\`: node:http, the same repository SQL, one JSON.stringify.
The feed pages (items HIGH, entity top) use a ${FEED_BASELINE_REPORTS}-report baseline: the smallest corpus whose first page is full
(20 items), so both columns return the same number of items.

### Query plans on the full corpus (EXPLAIN ANALYZE of the SQL the repositories send)

\`\`\`
${plans}
\`\`\`
`;
  const file = join(ROOT, 'bench/RESULTS.md');
  const previous = existsSync(file) ? readFileSync(file, 'utf8').replace(/## Query benchmark[\s\S]*?(?=\n## (?!#)|$)/, '').trim() : '# Benchmark results';
  writeFileSync(file, `${previous}\n\n${section}`);
  console.log(section);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
