/**
 * tsx bench/response-cache.ts — the response cache (issue 14) in one quick run on real Postgres
 * (BENCH_DATABASE_URL): the full report page by POST at 16 connections, served by digestql with the
 * cache on (every request a hit), with it off (every request executed), and by a bare node:http
 * server answering the same bytes from memory (the ceiling the issue compares against). One report
 * stored; BENCH_SECONDS per case (default 5). Prints a Markdown table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { openDatabase } from '../src/db/client';
import { storeReport } from '../src/modules/publishing/publishing.service';
import { NEWEST_INDEX, syntheticDigest } from './corpus';
import { load } from './load';
import { freePort, freshDatabase } from './setup';
import { FULL_REPORT_PAGE } from '../tests/support/queries';

const ROOT = resolve(__dirname, '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const CONCURRENCY = 16;

async function child(args: string[], env: Record<string, string>, port: number): Promise<ChildProcess> {
  const c = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
  for (let i = 0; i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) return c;
    if (c.exitCode !== null) throw new Error(`child exited ${c.exitCode}`);
  }
  throw new Error('child did not start');
}

const CEILING = `
const body = Buffer.from(process.env.BODY_B64, 'base64');
require('node:http').createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); });
}).listen(Number(process.env.PORT), '127.0.0.1');`;

async function main(): Promise<void> {
  const url = await freshDatabase('digestql_bench_cache');
  const database = await openDatabase({ url });
  await database.migrate();
  const report = syntheticDigest(NEWEST_INDEX);
  await storeReport(database.db, report);
  await database.close();
  const env = { DATABASE_URL: url, LOG_LEVEL: 'warn', NODE_ENV: 'production', RATE_LIMIT_ANON_PER_MINUTE: '0', RATE_LIMIT_KEY_PER_MINUTE: '0', HOST: '127.0.0.1' };
  const tsx = require.resolve('tsx/cli');
  const init = { method: 'POST' as const, body: JSON.stringify({ query: FULL_REPORT_PAGE, variables: { slug: report.slug } }), headers: { 'content-type': 'application/json' } };
  const rows: string[] = [];
  let bytes = '';
  for (const [name, mb] of [['report, cache on (hits)', '64'], ['report, cache off', '0']] as const) {
    const port = await freePort();
    const c = await child([tsx, 'src/cli.ts', 'serve'], { ...env, PORT: String(port), RESPONSE_CACHE_MB: mb }, port);
    const gql = `http://127.0.0.1:${port}/graphql`;
    bytes ||= await (await fetch(gql, init)).text();
    await load(gql, init, CONCURRENCY, 1500);
    const r = await load(gql, init, CONCURRENCY, DURATION);
    rows.push(`| ${name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} | ${r.bytes} |`);
    c.kill('SIGTERM');
  }
  const port = await freePort();
  const c = await child(['-e', CEILING], { PORT: String(port), BODY_B64: Buffer.from(bytes).toString('base64') }, port);
  await load(`http://127.0.0.1:${port}/`, init, CONCURRENCY, 1500);
  const r = await load(`http://127.0.0.1:${port}/`, init, CONCURRENCY, DURATION);
  rows.push(`| same bytes from memory (node:http) | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} | ${r.bytes} |`);
  c.kill('SIGTERM');
  console.log(['| case | req/s | p50 / p99 ms | bytes |', '| --- | --- | --- | --- |', ...rows].join('\n'));
}

void main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
