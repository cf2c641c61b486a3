/**
 * npm run bench:fanout — 5,000 graphql-ws subscribers on one API process (real Postgres), against
 * a bare `ws` broadcast of the same deliveries as the ceiling (each client's burst framed into one
 * buffer and written at once, as digestql writes it). Cases: a mix of 4 filters, identical
 * subscriptions, and three where every subscriber's filter is distinct: (a) entity lists, (b) tag
 * lists, (c) 3 selection sets. Per case: a 30-item burst with nothing beside it (deliveries/s
 * first → last arrival, commit → last delivery, error deliveries, CPU per delivery), then a second
 * one with `report(slug)` queries running (their p99). Steady (5 items/s for 30 s) and idle memory
 * per subscriber on the first case.
 *
 * BENCH_SUBSCRIBERS sets the number of subscribers (e.g. 19900 for the many-subscriber run: each
 * subscriber is a socket in this process and one in the API's, and a process may open no more
 * files than its limit, `ulimit -n`), BENCH_CASES the cases by index (e.g. `3,4`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { openDatabase } from '../src/db/client';
import { head, itemFactsOf, readAfter } from '../src/modules/events/events.repository';
import { matchesItem, normaliseItemFilter, type ItemFilterInput } from '../src/modules/items/item-filter';
import { storeReport } from '../src/modules/publishing/publishing.service';
import { TAGS, entityName, syntheticDigest } from './corpus';
import { ROOT, checkOpenFiles, child, freePort, freshDatabase, rssOf, waitHttp } from './setup';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 5000);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 30);
const DB_NAME = 'digestql_bench_fanout';
const SELECTIONS = [
  'cursor type item { id title summary importance tags report { slug } section { key } }',
  'cursor item { id title importance entities { name } }',
  'type cursor item { id title tags sources { url } report { slug title } }',
];
const documentFor = (selection: string): string => `subscription($f: ItemFilter) { itemPublished(filter: $f) { ${selection} } }`;
type Filter = Record<string, unknown> | null;

interface Case {
  name: string;
  filter(i: number): Filter;
  selection(i: number): string;
}

/** Every subscriber's filter distinct: a list element of its own that no item has. */
const CASES: Case[] = [
  { name: 'mix of 4 filters', filter: filterFor, selection: () => SELECTIONS[0]! },
  { name: 'identical', filter: () => null, selection: () => SELECTIONS[0]! },
  { name: '(a) distinct entity lists', filter: (i) => ({ entities: [entityName(1 + (i % 20)), entityName(21 + (i % 37)), `subscriber ${i}`] }), selection: () => SELECTIONS[0]! },
  { name: '(b) distinct tag lists', filter: (i) => ({ tags: [TAGS[i % 10]!, TAGS[(i + 3) % 10]!, `subscriber-${i}`] }), selection: () => SELECTIONS[0]! },
  {
    name: '(c) 3 selection sets, distinct filters',
    filter: (i) => ({ from: new Date(Date.UTC(2000, 0, 1) + i * 1000).toISOString(), ...(i % 2 ? { minImportance: 'MEDIUM' } : {}) }),
    selection: (i) => SELECTIONS[i % 3]!,
  },
];
const ONLY = process.env.BENCH_CASES?.split(',').map(Number);



const cpuOf = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // clock ticks (CLK_TCK = 100) → seconds
};

interface Sub {
  ws: WebSocket;
  received: number;
  bytes: number;
  /** `next` messages carrying errors (must stay 0). */
  errors: number;
  arrivals: { at: number; id: string }[];
  /** While set, the text of every message received (the ceiling replays these exact messages). */
  texts: string[] | null;
}

/** What each client does per message, the same for digestql and the ceiling: decode, find the item id, note the time. */
function onDelivery(sub: Sub, text: string): void {
  sub.received++;
  sub.bytes += text.length;
  // A refused subscription (`error`) or an error in place of data: both count, and must stay 0.
  if (text.includes('"errors":') || text.startsWith('{"type":"error"')) sub.errors++;
  const id = /"id":"([0-9a-f-]{36})"/.exec(text.slice(text.indexOf('"item"')))?.[1] ?? '';
  sub.arrivals.push({ at: performance.now(), id });
  sub.texts?.push(text);
}

/** The messages each subscriber received, as indexes into the distinct texts: what the ceiling replays. */
function messagesOf(subs: Sub[]): { texts: string[]; lists: number[][] } {
  const index = new Map<string, number>();
  const lists = subs.map((s) => (s.texts ?? []).map((t) => index.get(t) ?? (index.set(t, index.size), index.size - 1)));
  return { texts: [...index.keys()], lists };
}

function filterFor(i: number): Record<string, unknown> | null {
  switch (i % 4) {
    case 0: return { minImportance: 'HIGH' };
    case 1: return { tags: [TAGS[i % 10]] };
    case 2: return { entities: [entityName(1 + (i % 50))] };
    default: return null;
  }
}

async function connectGraphqlWs(url: string, i: number, c: Case): Promise<Sub> {
  const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
  const sub: Sub = { ws, received: 0, bytes: 0, errors: 0, arrivals: [], texts: null };
  await new Promise<void>((resolveOpen, reject) => {
    ws.once('error', reject);
    ws.on('message', (raw) => {
      const text = String(raw);
      if (text.startsWith('{"type":"connection_ack"')) {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: documentFor(c.selection(i)), variables: { f: c.filter(i) } } }));
        resolveOpen();
        return;
      }
      onDelivery(sub, text);
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
  });
  return sub;
}

async function connectAll<T>(n: number, connect: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += 200) out.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, k) => connect(i + k)))));
  return out;
}

const quantiles = (sorted: number[]) => (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

const waitUntil = async (cond: () => boolean, timeoutMs: number): Promise<boolean> => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setImmediate(r));
  }
  return true;
};

/** Waits until no subscriber has received anything for 1 s; returns the total. */
async function settle(subs: Sub[]): Promise<number> {
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const total = subs.reduce((n, s) => n + s.received, 0);
    if (total === last) return total;
    last = total;
  }
}

const REPORT_QUERY = 'query($slug: String!) { report(slug: $slug) { title sections { key items { id title summary tags entities { name } } } } }';

/**
 * The probe's loops, in a worker thread of their own: on the benchmark's main thread they would
 * wait behind its 5,000 clients decoding the burst, and measure this process, not the server.
 */
const PROBE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, query, slug } = workerData;
const latencies = [];
let running = true;
parentPort.once('message', () => (running = false));
const loops = Array.from({ length: 4 }, async () => {
  while (running) {
    const t = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { slug } }) });
    await res.text();
    latencies.push(performance.now() - t);
  }
});
Promise.all(loops).then(() => parentPort.postMessage(latencies));
`;

/** `report(slug)` over HTTP in 4 loops until `stop`: its latencies (sorted) while the burst goes out. */
function probeQueries(url: string, slug: string): { stop(): Promise<number[]> } {
  const worker = new Worker(PROBE_WORKER, { eval: true, workerData: { url, query: REPORT_QUERY, slug } });
  const done = new Promise<number[]>((resolve, reject) => {
    worker.once('message', (latencies: number[]) => resolve(latencies.sort((a, b) => a - b)));
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      worker.postMessage('stop');
      const latencies = await done;
      await worker.terminate();
      return latencies;
    },
  };
}

interface CaseResult {
  name: string;
  groups: number;
  total: number;
  errors: number;
  /** What each subscriber received in the measured burst (the ceiling sends the same bytes). */
  messages: { texts: string[]; lists: number[][] };
  commitToLast: number;
  firstToLast: number;
  cpuPerDelivery: number;
  reportP99: number;
  reportN: number;
  /** Deliveries of the second burst, the one with queries beside it. */
  probedTotal: number;
  rssPerSub: number;
}

interface CeilingResult {
  firstToLast: number;
  triggerToLast: number;
  cpuPerDelivery: number;
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/src/cli.js'))) throw new Error('run npm run build first');
  checkOpenFiles(SUBSCRIBERS);
  const dbUrl = await freshDatabase(DB_NAME);
  const database = await openDatabase({ url: dbUrl });
  await database.migrate();

  const port = await freePort();
  // BENCH_API_NODE_ARGS: extra node flags for the API process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const api = child([...(process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean) ?? []), 'dist/src/cli.js', 'serve'], { DATABASE_URL: dbUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', EVENT_POLL_INTERVAL_MS: '1000', RATE_LIMIT_ANON_PER_MINUTE: '0', MAX_SUBSCRIPTIONS_PER_CLIENT: String(Math.max(1000, SUBSCRIBERS)) });
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  // The report the query probe reads during each burst.
  const probeSlug = (await storeReport(database.db, syntheticDigest(0))).slug;
  await new Promise((r) => setTimeout(r, 500));

  const results: CaseResult[] = [];
  let steady: { n: number; latencies: number[]; items: string[]; recipients: Map<string, number[]>; size: number } | null = null;
  for (const [k, c] of CASES.entries()) {
    if (ONLY && !ONLY.includes(k)) continue;
    const rssBefore = rssOf(api.pid!);
    const subs = await connectAll(SUBSCRIBERS, (i) => connectGraphqlWs(`ws://127.0.0.1:${port}/graphql`, i, c));
    await new Promise((r) => setTimeout(r, 2000));
    const rssPerSub = (rssOf(api.pid!) - rssBefore) / SUBSCRIBERS;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const groups = Number(/^digestql_subscription_groups (\d+)$/m.exec(metrics)?.[1] ?? NaN);
    console.log(`${c.name}: ${SUBSCRIBERS} subscribers in ${groups} groups, ${(rssPerSub / 1024).toFixed(1)} KiB RSS each`);

    // Burst: one 30-item report, nothing else running (the ceiling's burst has nothing beside it either).
    for (const s of subs) s.texts = [];
    const from = await head(database.db);
    const cpu0 = cpuOf(api.pid!);
    const t0 = performance.now();
    await storeReport(database.db, syntheticDigest(1 + k));
    const committed = performance.now();
    const total = await settle(subs);
    const cpu = cpuOf(api.pid!) - cpu0;
    // Every delivery made: each subscriber got exactly what its filter matches of the burst's
    // events (the server's own matcher over the facts the log recorded).
    const facts = (await readAfter(database.db, from, 1000)).map(itemFactsOf).filter((f) => f !== null);
    const wrong = subs.flatMap((s, i) => {
      const filter = normaliseItemFilter((c.filter(i) ?? {}) as ItemFilterInput);
      const expected = facts.filter((f) => matchesItem(filter, f)).length;
      return s.received === expected ? [] : [`subscriber ${i}: ${s.received} of ${expected}`];
    });
    if (wrong.length > 0) throw new Error(`${c.name}: ${wrong.length} subscribers did not get exactly what their filter matches (${wrong.slice(0, 5).join('; ')})`);
    const at = subs.flatMap((s) => s.arrivals.map((a) => a.at));
    // Not Math.min(...at): 150,000 arguments overflow the stack.
    const first = at.reduce((a, b) => Math.min(a, b), Infinity);
    const lastArrival = at.reduce((a, b) => Math.max(a, b), -Infinity);
    const r: CaseResult = {
      name: c.name,
      groups,
      total,
      errors: subs.reduce((n, s) => n + s.errors, 0),
      messages: messagesOf(subs),
      commitToLast: (lastArrival - committed) / 1000,
      firstToLast: (lastArrival - first) / 1000,
      cpuPerDelivery: cpu / total,
      reportP99: NaN,
      reportN: 0,
      probedTotal: 0,
      rssPerSub,
    };
    results.push(r);
    if (r.errors > 0) throw new Error(`${c.name}: ${r.errors} of ${total} messages were errors or refused subscriptions; the figures would be meaningless`);
    console.log(`  burst: ${total} deliveries (${r.errors} errors; every subscriber got exactly what its filter matches of ${facts.length} items), commit → last ${(r.commitToLast * 1000).toFixed(0)} ms (store took ${(committed - t0).toFixed(0)} ms), ${(total / r.firstToLast).toFixed(0)} deliveries/s first → last`);

    // A second burst (another 30-item report) with 4 loops of `report(slug)` over HTTP meanwhile:
    // does a query still answer while the subscribers are served? Its p99, and no error deliveries.
    for (const s of subs) {
      s.errors = 0;
      s.texts = null;
    }
    const before = subs.reduce((n, s) => n + s.received, 0);
    const probe = probeQueries(`http://127.0.0.1:${port}/graphql`, probeSlug);
    await storeReport(database.db, syntheticDigest(100 + k));
    r.probedTotal = (await settle(subs)) - before;
    const reportLatencies = await probe.stop();
    r.reportP99 = quantiles(reportLatencies)(0.99);
    r.reportN = reportLatencies.length;
    const probedErrors = subs.reduce((n, s) => n + s.errors, 0);
    if (probedErrors > 0) throw new Error(`${c.name}: ${probedErrors} error messages in the burst with queries`);
    console.log(`  burst with queries: ${r.probedTotal} deliveries (0 errors); report(slug) p99 ${r.reportP99.toFixed(0)} ms over ${r.reportN}`);

    if (!steady) {
      // Steady: 5 items per second for STEADY_SECONDS; latency from commit to each arrival.
      for (const s of subs) s.arrivals.length = 0;
      for (const s of subs) s.received = s.bytes = 0;
      const commitAt = new Map<string, number>();
      const steadyStart = Date.now();
      let n = 0;
      while (Date.now() - steadyStart < STEADY_SECONDS * 1000) {
        const tick = Date.now();
        const one = syntheticDigest(10_000 + n);
        const item = { ...one.sections[0]!.items[0]!, importance: 'HIGH' as const, tags: [TAGS[n % 10]!] };
        const rep = { ...one, sections: [{ ...one.sections[0]!, items: [item] }] };
        const result = await storeReport(database.db, rep);
        commitAt.set(result.added[0]!, performance.now());
        n++;
        await new Promise((res) => setTimeout(res, Math.max(0, 200 - (Date.now() - tick))));
      }
      await new Promise((res) => setTimeout(res, 2000));
      const latencies = subs.flatMap((s) => s.arrivals.filter((a) => commitAt.has(a.id)).map((a) => a.at - commitAt.get(a.id)!)).sort((a, b) => a - b);
      // Who got each steady item, in order: the ceiling sends the same items to the same sockets.
      const items = [...commitAt.keys()];
      const recipients = new Map<string, number[]>(items.map((id) => [id, []]));
      subs.forEach((s, i) => s.arrivals.forEach((a) => recipients.get(a.id)?.push(i)));
      const size = Math.round(subs.reduce((b, s) => b + s.bytes, 0) / Math.max(1, subs.reduce((x, s) => x + s.received, 0)));
      steady = { n, latencies, items, recipients, size };
      const q = quantiles(latencies);
      console.log(`  steady: ${n} items, ${latencies.length} deliveries, p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms`);
    }
    for (const s of subs) s.ws.terminate();
    await new Promise((res) => setTimeout(res, 2000));
  }
  api.kill('SIGTERM');

  // Ceiling: bare ws, same sockets, same deliveries per socket, messages of the same size.
  const cport = await freePort();
  // Loaded into node itself (not through the tsx CLI, which runs it in a child): RSS and CPU are the server's.
  const ceiling = child(['--import', 'tsx', 'bench/ceiling-ws.ts'], { PORT: String(cport) });
  await new Promise((r) => setTimeout(r, 1500));
  const cRssBefore = rssOf(ceiling.pid!);
  const raw = await connectAll(SUBSCRIBERS, async (i) => {
    const ws = new WebSocket(`ws://127.0.0.1:${cport}`, { perMessageDeflate: false });
    const s: Sub = { ws, received: 0, bytes: 0, errors: 0, arrivals: [], texts: null };
    ws.on('message', (m) => onDelivery(s, String(m)));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ hello: i }));
    return s;
  });
  await new Promise((r) => setTimeout(r, 2000));
  const ceilingPerSub = (rssOf(ceiling.pid!) - cRssBefore) / SUBSCRIBERS;
  const ceilings: CeilingResult[] = [];
  for (const r of results) {
    for (const s of raw) {
      s.arrivals.length = 0;
      s.received = 0;
    }
    const cCpu0 = cpuOf(ceiling.pid!);
    const c0 = performance.now();
    raw[0]!.ws.send(JSON.stringify({ trigger: r.messages }));
    await waitUntil(() => raw.reduce((k, s) => k + s.received, 0) >= r.total, 60_000);
    const at = raw.flatMap((s) => s.arrivals.map((a) => a.at));
    const last = at.reduce((a, b) => Math.max(a, b), -Infinity);
    ceilings.push({ firstToLast: (last - at.reduce((a, b) => Math.min(a, b), Infinity)) / 1000, triggerToLast: (last - c0) / 1000, cpuPerDelivery: (cpuOf(ceiling.pid!) - cCpu0) / r.total });
    await new Promise((res) => setTimeout(res, 1000));
  }

  // Steady on the ceiling: the same items, to the same sockets, at the same pace; latency from the trigger.
  for (const s of raw) s.arrivals.length = 0;
  const sentAt = new Map<string, number>();
  for (const id of steady?.items ?? []) {
    const tick = Date.now();
    sentAt.set(id, performance.now());
    raw[0]!.ws.send(JSON.stringify({ tick: { id, to: steady!.recipients.get(id), size: steady!.size } }));
    await new Promise((res) => setTimeout(res, Math.max(0, 200 - (Date.now() - tick))));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const cq = quantiles(raw.flatMap((s) => s.arrivals.filter((a) => sentAt.has(a.id)).map((a) => a.at - sentAt.get(a.id)!)).sort((a, b) => a - b));
  for (const s of raw) s.ws.terminate();
  ceiling.kill('SIGTERM');
  await database.close();

  const q = quantiles(steady?.latencies ?? []);
  const identical = results.find((r) => r.name === 'identical');
  const identicalCeiling = identical ? ceilings[results.indexOf(identical)]! : null;
  const rows = results.map((r, i) => {
    const c = ceilings[i]!;
    const ours = r.total / r.firstToLast;
    const bare = r.total / c.firstToLast;
    const vsIdentical = identical && r !== identical && r.name.startsWith('(') ? ` (${(r.commitToLast / identical.commitToLast).toFixed(2)}× identical; target ≤ 1.5×)` : '';
    const vsCeiling = r === identical ? ` (${(r.commitToLast / identicalCeiling!.triggerToLast).toFixed(2)}× the ceiling's; target ≤ 2×)` : '';
    return `| ${r.name} | ${r.groups} | ${r.total} | ${r.errors} | ${ours.toFixed(0)} | ${bare.toFixed(0)} | **${(ours / bare).toFixed(2)}×** | ${(r.commitToLast * 1000).toFixed(0)} ms${vsIdentical}${vsCeiling} | ${(c.triggerToLast * 1000).toFixed(0)} ms | ${(r.cpuPerDelivery * 1e6).toFixed(1)} / ${(c.cpuPerDelivery * 1e6).toFixed(1)} µs | ${r.reportP99.toFixed(0)} ms (${r.reportN}; ${r.probedTotal}) | ${(r.rssPerSub / 1024).toFixed(1)} KiB |`;
  });
  const section = `## Fan-out benchmark (${new Date().toISOString().slice(0, 10)})

Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, local PostgreSQL. One API process; the ${SUBSCRIBERS} clients run in the benchmark process on the same cores.
Each case: ${SUBSCRIBERS} subscribers connect and one 30-item report is published, with nothing else running (measured: deliveries/s, commit → last, CPU); then a second 30-item report is published while 4 loops of \`report(slug)\` run over HTTP (measured: the query's p99, and error deliveries).
The ceiling (bench/ceiling-ws.ts) is a bare \`ws\` server sending the same messages (the same bytes) to the same sockets as digestql did in the first burst, each client's burst framed into one buffer and written at once (as digestql writes a group member's burst, without its per-member work: clients that get the same messages share one buffer, framed once).
Deliveries/s are counted from the first to the last arrival at the clients, for both.

| case | groups | deliveries | error deliveries | digestql deliveries/s | ceiling deliveries/s | ratio (target ≥ 0.7×) | commit → last delivery | ceiling trigger → last | server CPU per delivery (digestql / ceiling) | report(slug) p99 during the second burst (queries; its deliveries) (target ≤ 250 ms) | idle RSS per subscriber |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Idle RSS per bare \`ws\` connection (ceiling): ${(ceilingPerSub / 1024).toFixed(1)} KiB (target for digestql: ≤ 2×; the first case's figure is the one measured on a fresh process).
Steady, first case, 5 items/s for ${STEADY_SECONDS} s: latency p50 / p99 ${q(0.5).toFixed(1)} / ${q(0.99).toFixed(1)} ms (commit to arrival); ceiling ${cq(0.5).toFixed(1)} / ${cq(0.99).toFixed(1)} ms (trigger to arrival).

How digestql gets there (src/server/ws/subscription-groups.ts, src/realtime/event-snapshot.ts, src/server/ws/socket-send.ts):
subscriptions group by document without the root field's \`filter\`/\`after\`, the variables still used and scopes,
whatever their filters; one log reader per group keeps what any member wants, executes each event once,
serialises and encodes it once; each member keeps what its own filter matches, and its burst is framed into one
buffer (its own id before each shared result) and written to its socket at once. Each event's data is read once per process (one snapshot per read of the log), whatever the number of groups.
`;
  const file = join(ROOT, 'bench/RESULTS.md');
  const previous = existsSync(file) ? readFileSync(file, 'utf8').replace(/\n## Fan-out benchmark \([\s\S]*?(?=\n## |$)/, '').trim() : '# Benchmark results';
  writeFileSync(file, `${previous}\n\n${section}`);
  console.log(section);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
