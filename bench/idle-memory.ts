/**
 * npm run bench:memory — idle memory per subscriber: N graphql-ws subscribers, each with a filter
 * of its own (distinct tag lists, one selection set), connected to one API process (real
 * Postgres), against N bare `ws` connections to bench/ceiling-ws.ts. Reports the RSS each process
 * grew by, per connection, after the connections settle; RUNS times each (the spread).
 *
 * BENCH_SUBSCRIBERS (default 19900: each connection is a socket here and one in the server, and a
 * process may open no more files than `ulimit -n`), BENCH_RUNS (default 3). BENCH_HEAP_SNAPSHOTS=dir
 * also writes a heap snapshot of the API before and after connecting (node's --heapsnapshot-signal),
 * to see what a subscriber keeps.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { openDatabase } from '../src/db/client';
import { TAGS } from './corpus';
import { checkOpenFiles, child, freePort, freshDatabase, rssOf, waitHttp } from './setup';

const N = Number(process.env.BENCH_SUBSCRIBERS ?? 19900);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SNAPSHOTS = process.env.BENCH_HEAP_SNAPSHOTS;
const QUERY = 'subscription($f: ItemFilter) { itemPublished(filter: $f) { cursor type item { id title summary importance tags report { slug } section { key } } } }';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));



/** Signals the process to write a heap snapshot into `dir` and waits until it is complete. */
async function snapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  for (;;) {
    await sleep(1000);
    const f = readdirSync(dir).find((x) => !before.has(x) && x.endsWith('.heapsnapshot'));
    if (!f) continue;
    let size = -1;
    for (;;) {
      await sleep(3000);
      const s = statSync(join(dir, f)).size;
      if (s === size) return join(dir, f);
      size = s;
    }
  }
}

async function connectAll(n: number, connect: (i: number) => Promise<WebSocket>): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  for (let i = 0; i < n; i += 200) out.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, k) => connect(i + k)))));
  return out;
}

/** A graphql-ws subscriber with a tag list of its own, live once its subscribe is sent after the ack. */
const subscriber = (url: string) => (i: number): Promise<WebSocket> =>
  new Promise((res, rej) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    ws.once('error', rej);
    ws.on('message', (raw) => {
      if (!String(raw).startsWith('{"type":"connection_ack"')) return;
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables: { f: { tags: [TAGS[i % 10]!, TAGS[(i + 3) % 10]!, `subscriber-${i}`] } } } }));
      res(ws);
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
  });

const bare = (url: string) => (i: number): Promise<WebSocket> =>
  new Promise((res, rej) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('error', rej);
    ws.once('open', () => {
      ws.send(JSON.stringify({ hello: i }));
      res(ws);
    });
  });

/** RSS the process grew by per connection, once N connections are open and settled. */
async function measure(proc: ChildProcess, connect: (i: number) => Promise<WebSocket>, check?: () => Promise<void>): Promise<number> {
  // A few connections first, so that what is compiled or allocated once is not counted per connection.
  for (const w of await connectAll(50, connect)) w.terminate();
  await sleep(3000);
  if (SNAPSHOTS) console.log(`  heap snapshot before: ${await snapshot(proc.pid!, SNAPSHOTS)}`);
  const before = rssOf(proc.pid!);
  const sockets = await connectAll(N, connect);
  await sleep(3000);
  await check?.();
  const perConnection = (rssOf(proc.pid!) - before) / N;
  if (SNAPSHOTS) console.log(`  heap snapshot after: ${await snapshot(proc.pid!, SNAPSHOTS)}`);
  for (const s of sockets) s.terminate();
  return perConnection;
}

async function main(): Promise<void> {
  checkOpenFiles(N);
  if (SNAPSHOTS) mkdirSync(SNAPSHOTS, { recursive: true });
  const nodeArgs = SNAPSHOTS ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${SNAPSHOTS}`] : [];
  const dbUrl = await freshDatabase('digestql_bench_memory');
  const database = await openDatabase({ url: dbUrl });
  await database.migrate();
  const results: { digestql: number; bare: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    const port = await freePort();
    const api = child([...nodeArgs, 'dist/src/cli.js', 'serve'], { DATABASE_URL: dbUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', RATE_LIMIT_ANON_PER_MINUTE: '0', MAX_SUBSCRIPTIONS_PER_CLIENT: String(N + 100) });
    await waitHttp(`http://127.0.0.1:${port}/healthz`);
    const digestql = await measure(api, subscriber(`ws://127.0.0.1:${port}/graphql`), async () => {
      // Every subscriber is a member of the one group (distinct filters, one selection set).
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const members = Number(/^digestql_subscriptions\{kind="grouped"\} (\d+)$/m.exec(metrics)?.[1] ?? NaN);
      const groups = Number(/^digestql_subscription_groups (\d+)$/m.exec(metrics)?.[1] ?? NaN);
      if (groups !== 1 || members !== N) throw new Error(`expected ${N} subscribers in 1 group, the server has ${members} in ${groups}`);
    });
    api.kill('SIGTERM');
    const cport = await freePort();
    const ceiling = child([...nodeArgs, '--import', 'tsx', 'bench/ceiling-ws.ts'], { PORT: String(cport) });
    await sleep(1500);
    const plain = await measure(ceiling, bare(`ws://127.0.0.1:${cport}`));
    ceiling.kill('SIGTERM');
    results.push({ digestql, bare: plain });
    console.log(`run ${run + 1}: digestql ${(digestql / 1024).toFixed(2)} KiB, bare ws ${(plain / 1024).toFixed(2)} KiB per connection: ${(digestql / plain).toFixed(2)}×`);
    await sleep(2000);
  }
  const ratios = results.map((r) => r.digestql / r.bare);
  console.log(`${N} subscribers, ${RUNS} runs: digestql ${results.map((r) => (r.digestql / 1024).toFixed(1)).join(', ')} KiB; bare ${results.map((r) => (r.bare / 1024).toFixed(1)).join(', ')} KiB; ratio ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×`);
  await database.close?.();
  process.exit(0);
}

void main();
