import { createServer } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import postgres from 'postgres';
import WebSocket from 'ws';
import { openDatabase } from '../../src/db/client';
import { createWebhook } from '../../src/modules/webhooks/webhooks.service';
import { startServeProcess, type ServeProcess } from '../support/cli';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db';
import { privateClusterUnavailable, startPrivateCluster, type PrivateCluster } from '../support/pg-cluster';
import { gql, PUBLISH_TOKEN } from '../support/server';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { elapse, until } from '../support/wait';

const PUBLISH = `mutation($md: String!, $slug: String!) { publishMarkdown(markdown: $md, slug: $slug) { added } }`;
const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
/** A digest of two items whose titles name it. */
const digest = (name: string, day: number) =>
  `---\ntitle: ${name}\ndate: 2026-10-${String(1 + (day % 28)).padStart(2, '0')}\n---\n\n## 今日焦點（Top Headlines）\n\n` +
  `### ${name} first\n\n**核心摘要**：Published while Postgres restarts.\n\n**重要性**：高\n\n` +
  `### ${name} second\n\n**核心摘要**：Published while Postgres restarts.\n\n**重要性**：中\n`;

/** A serve process's exit, watched: a test fails with its output if it dies. */
function watch(p: ServeProcess): { exit: number | null | undefined } {
  const state: { exit: number | null | undefined } = { exit: undefined };
  void p.exited.then((code) => (state.exit = code));
  return state;
}

const postgresSkip = onRealPostgres ? null : 'needs TEST_DATABASE_URL (real Postgres only)';

describe(postgresSkip ? `a transaction's connection is cut [skipped: ${postgresSkip}]` : "a transaction's connection is cut", () => {
  const it_ = postgresSkip ? it.skip : it;
  let db: TestDatabase;
  let proxy: TcpProxy;
  const processes: ServeProcess[] = [];
  const startServe = async (): Promise<ServeProcess> => {
    const p = await startServeProcess({ DATABASE_URL: proxiedUrl(), PUBLISH_TOKEN, SEED_EXAMPLES: 'false' });
    processes.push(p);
    return p;
  };
  /** While set, a connection is reset when it asks for the array types (its first statement). */
  let resetTypeFetch = false;
  let resets = 0;
  beforeAll(async () => {
    if (postgresSkip) return;
    db = await createTestDatabase();
    const target = new URL(db.url!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432), {
      resetWhen: (data) => resetTypeFetch && data.includes('pg_catalog.pg_type') && ++resets > 0,
    });
  });
  const proxiedUrl = (): string => {
    const viaProxy = new URL(db.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    return viaProxy.toString();
  };
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await proxy?.close();
    await db?.dispose();
  });

  // postgres.js 3.4.9 (porsager/postgres#1208): when a statement of a transaction fails because its
  // connection closed, begin() sends ROLLBACK on that connection, and the write is flushed from a
  // setImmediate onto the null socket: an uncaught TypeError that killed the process.
  it_('a serve process survives, answers DATABASE_UNAVAILABLE, and publishes again', async () => {
    const serve = await startServe();
    const state = watch(serve);
    const admin = postgres(db.url!, { max: 2, onnotice: () => undefined });
    try {
      // Hold the reports table: the publish waits inside its transaction, a statement in flight.
      let release!: () => void;
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = admin.begin(async (t) => {
        await t`LOCK TABLE reports IN ACCESS EXCLUSIVE MODE`;
        locked();
        await new Promise<void>((r) => (release = r));
      });
      await isLocked;
      const publish = gql(serve.url, PUBLISH, { md: digest('Cut', 1), slug: 'cut' }, auth).catch((err: unknown) => ({ failed: String(err) }));
      await until(
        async () =>
          (await admin`
            SELECT 1 FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND xact_start < query_start`).length > 0,
        'the publish transaction to wait for the lock',
        20_000,
      );
      await proxy.down();
      release();
      await holder;
      const res = await publish;
      expect('failed' in res ? res : { status: res.status, code: res.errors?.[0]?.extensions?.code }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      await proxy.up();
      // Still alive, and serving again once the database is back: the same publish goes through.
      let again: Awaited<ReturnType<typeof gql>> | null = null;
      await until(async () => (again = await gql(serve.url, PUBLISH, { md: digest('Cut', 1), slug: 'cut' }, auth)).errors === undefined, 'a publish to go through', 30_000, { detail: () => JSON.stringify(again) });
      expect(state.exit).toBeUndefined();
    } finally {
      await admin.end();
    }
  }, 60_000);

  // postgres.js 3.4.9 (porsager/postgres#1192, #1205): a new connection's array-type query is a promise
  // nobody awaits; a connection reset during it was an unhandled rejection that ended the process.
  it_('a serve process survives connections reset while they fetch array types', async () => {
    const serve = await startServe();
    const state = watch(serve);
    resetTypeFetch = true;
    // Every connection is cut: the next ones are new, and reset as they fetch the types.
    await proxy.down();
    await proxy.up();
    const read = () => gql(serve.url, '{ reports(first: 1) { totalCount } }').catch((err: unknown) => ({ status: String(err) }));
    await until(async () => state.exit !== undefined || (await read(), resets >= 2), 'connections reset while fetching types', 20_000, { detail: () => `(${resets} resets)` });
    resetTypeFetch = false;
    expect(state.exit).toBeUndefined();
    let last: { status: number | string } | null = null;
    await until(async () => (last = await read()).status === 200, 'reads to be served again', 30_000, { detail: () => JSON.stringify(last) });
    expect(state.exit).toBeUndefined();
  }, 60_000);
});

const restartSkip = postgresSkip ?? privateClusterUnavailable();

describe(restartSkip ? `Postgres restarts under load [skipped: ${restartSkip}]` : 'Postgres restarts under load', () => {
  const it_ = restartSkip ? it.skip : it;
  let cluster: PrivateCluster | undefined;
  const processes: ServeProcess[] = [];
  /** webhook-id → item title of what the receiver was sent (a retry repeats its webhook-id). */
  const webhooks = new Map<string, string>();
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const payload = JSON.parse(body) as { data: { item: { title: string } } };
      webhooks.set(String(req.headers['webhook-id']), payload.data.item.title);
      res.writeHead(200).end();
    });
  });
  let subscriber: Client | undefined;
  /** Cleared when the test ends, however it ends: the publisher and the subscriber stop. */
  let running = true;

  beforeAll(async () => {
    if (restartSkip) return;
    cluster = await startPrivateCluster();
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  }, 120_000);
  afterAll(async () => {
    running = false;
    await subscriber?.dispose();
    await Promise.all(processes.map((p) => p.stop('SIGKILL').catch(() => undefined)));
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
    await cluster?.stop();
  }, 60_000);

  it_('10 restarts, 2 serve processes publishing and delivering webhooks: no process exits, every item reaches a resuming subscriber and the webhook receiver exactly once', async () => {
    const admin = postgres(cluster!.url, { max: 1, onnotice: () => undefined });
    await admin`CREATE DATABASE digestql`;
    await admin.end();
    const url = new URL(cluster!.url);
    url.pathname = '/digestql';
    const setup = await openDatabase({ url: url.toString() });
    await setup.migrate();
    const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    await createWebhook(setup.db, { url: hookUrl, format: 'JSON' }, { allow: ['127.0.0.1'] });
    await setup.close();

    const env = {
      DATABASE_URL: url.toString(),
      PUBLISH_TOKEN,
      SEED_EXAMPLES: 'false',
      WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      // As in the crash report; a short request timeout keeps the claim lease (timeout + 30 s) short.
      WEBHOOK_POLL_MS: '200',
      WEBHOOK_TIMEOUT_MS: '2000',
      DB_CONNECT_TIMEOUT_MS: '2000',
      DB_POOL_TIMEOUT_MS: '2000',
    };
    const started = await Promise.all([startServeProcess(env), startServeProcess(env)]);
    processes.push(...started);
    const states = started.map(watch);
    const urls = started.map((p) => p.url);
    // Why a process died: its last lines that are not routine request and operation logs.
    const lastWords = (p: ServeProcess) =>
      p.output().split('\n').filter((l) => !/"level":(30|40)/.test(l)).slice(-40).join('\n');
    const deaths = () => states.map((s, i) => (s.exit === undefined ? '' : `process ${i} exited with ${s.exit}:\n${lastWords(started[i]!)}`)).join('');

    // A subscriber that resumes with its last cursor on whichever process, like a real client.
    const events: { cursor: string; type: string; title: string }[] = [];
    const errors: unknown[] = [];
    let reconnects = 0;
    const subscribeFrom = (n: number): void => {
      if (!running) return;
      const after = events.at(-1)?.cursor ?? null;
      let onClosed!: () => void;
      const closed = new Promise<void>((r) => (onClosed = r));
      const client = (subscriber = createClient({
        url: `${urls[n % urls.length]!.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
        on: { closed: () => onClosed() },
      }));
      client.subscribe<{ itemPublished: { cursor: string; type: string; item: { title: string } } }>(
        { query: 'subscription($after: String) { itemPublished(after: $after) { cursor type item { title } } }', variables: { after } },
        {
          next: (r) => {
            if (r.data) events.push({ cursor: r.data.itemPublished.cursor, type: r.data.itemPublished.type, title: r.data.itemPublished.item.title });
            else errors.push(r.errors);
          },
          error: () => void client.dispose(),
          complete: () => void client.dispose(),
        },
      );
      // Reconnect once this socket is gone (a client's retry delay, not a wait in the test).
      void closed.then(async () => {
        reconnects++;
        await elapse(200);
        subscribeFrom(n + 1);
      });
    };
    subscribeFrom(0);
    // Live from an exact point: publish warm-up reports until one reaches the subscriber.
    for (let w = 0; events.length === 0 && running; w++) {
      const res = await gql(urls[0]!, PUBLISH, { md: digest(`Warm-up ${w}`, w), slug: `warm-up-${w}` }, auth);
      expect(res.errors).toBeUndefined();
      await until(() => events.length > 0, 'the warm-up event', 2000).catch(() => undefined);
    }

    // A publisher that retries what failed (publishing is idempotent), through both processes in turn.
    const published: string[] = [];
    const publishedVia = [0, 0];
    let publishing = true;
    let failedAttempts = 0;
    const publisher = (async () => {
      for (let i = 0; publishing && running; i++) {
        const name = `Restart ${i}`;
        for (let attempt = 0; running; attempt++) {
          const via = (i + attempt) % 2;
          const res = await gql(urls[via]!, PUBLISH, { md: digest(name, i), slug: `restart-${i}` }, auth).catch(() => null);
          if (res?.status === 200 && !res.errors) {
            publishedVia[via]!++;
            break;
          }
          failedAttempts++;
          // The client's retry pause, not a wait for the database.
          await elapse(100);
        }
        published.push(`${name} first`, `${name} second`);
        // Pacing, so publishes keep meeting the restarts below without flooding a 2-core machine
        // (load shaping: what the test waits for are the facts checked below).
        await elapse(50);
      }
    })();

    for (let r = 0; r < 10; r++) {
      // Both processes have published since the last restart: their pools are back.
      const mark = [...publishedVia];
      await until(() => publishedVia.every((n, i) => n >= mark[i]! + 1), `publishes through both processes after restart ${r}`, 60_000, { detail: deaths });
      await cluster!.restart(r % 3 === 2 ? 'immediate' : 'fast');
      expect(deaths()).toBe('');
    }
    const mark = [...publishedVia];
    await until(() => publishedVia.every((n, i) => n >= mark[i]! + 1), 'publishes after the last restart', 60_000, { detail: deaths });
    publishing = false;
    await publisher;

    const expected = new Set(published);
    const delivered = () => events.filter((e) => e.title.startsWith('Restart ')).map((e) => e.title);
    const hooked = () => [...webhooks.values()].filter((t) => t.startsWith('Restart '));
    await until(
      // (or an error in place of an item: no use waiting then)
      () => errors.length > 0 || (delivered().length >= expected.size && hooked().length >= expected.size),
      'every published item at the subscriber and the webhook receiver',
      90_000,
      {
        detail: () =>
          `(subscriber ${delivered().length}, webhooks ${hooked().length} of ${expected.size}; missing at the subscriber: ${JSON.stringify([...expected].filter((t) => !delivered().includes(t)))}; ` +
          `errors ${JSON.stringify(errors)}; reconnects ${reconnects}) ${deaths()}`,
      },
    );
    running = false;
    expect(deaths()).toBe('');
    // The restarts met the publisher (some publishes failed and were retried), and no item arrived as an error.
    expect(failedAttempts).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    // Exactly once: as many as published, and each published one (titles are unique).
    expect(events.filter((e) => e.title.startsWith('Restart ')).every((e) => e.type === 'PUBLISHED')).toBe(true);
    expect(delivered().sort()).toEqual([...expected].sort());
    expect(hooked().sort()).toEqual([...expected].sort());
  }, 240_000);
});
