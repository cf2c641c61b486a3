import postgres from 'postgres';
import { startServeProcess, type ServeProcess } from '../support/cli';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db';
import { gql, PUBLISH_TOKEN } from '../support/server';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { sleep } from '../support/ws-client';

const PUBLISH = `mutation($md: String!, $slug: String!) { publishMarkdown(markdown: $md, slug: $slug) { added } }`;
const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
/** A digest of two items whose titles name it. */
const digest = (name: string, day: number) =>
  `---\ntitle: ${name}\ndate: 2026-10-${String(1 + (day % 28)).padStart(2, '0')}\n---\n\n## 今日焦點（Top Headlines）\n\n` +
  `### ${name} first\n\n**核心摘要**：Published while Postgres restarts.\n\n**重要性**：高\n\n` +
  `### ${name} second\n\n**核心摘要**：Published while Postgres restarts.\n\n**重要性**：中\n`;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number, detail: () => string = () => ''): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} ${detail()}`);
    await sleep(50);
  }
}

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
  let serve: ServeProcess | undefined;
  beforeAll(async () => {
    if (postgresSkip) return;
    db = await createTestDatabase();
    const target = new URL(db.url!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  });
  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await proxy?.close();
    await db?.dispose();
  });

  // postgres.js 3.4.9 (porsager/postgres#1208): when a statement of a transaction fails because its
  // connection closed, begin() sends ROLLBACK on that connection, and the write is flushed from a
  // setImmediate onto the null socket: an uncaught TypeError that killed the process.
  it_('a serve process survives, answers DATABASE_UNAVAILABLE, and publishes again', async () => {
    const viaProxy = new URL(db.url!);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    serve = await startServeProcess({ DATABASE_URL: viaProxy.toString(), PUBLISH_TOKEN, SEED_EXAMPLES: 'false' });
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
      await until(async () => (again = await gql(serve!.url, PUBLISH, { md: digest('Cut', 1), slug: 'cut' }, auth)).errors === undefined, 'a publish to go through', 30_000, () => JSON.stringify(again));
      expect(state.exit).toBeUndefined();
    } finally {
      await admin.end();
    }
  }, 60_000);
});
