import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { CLI_TEST_TIMEOUT_MS, runCli, startServeProcess } from '../support/cli';
import { TEST_DATABASE_URL } from '../support/db';
import { subscriptionsLive } from '../support/wait';
import { subscribe } from '../support/ws-client';

describe('digestql serve on the embedded database (the README quick start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'digestql-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the sample digests on first start, keeps them across restarts, and stops cleanly on SIGTERM', async () => {
    // NODE_ENV as deployed: Apollo, for one, treats signals differently under NODE_ENV=test.
    const env = { DATA_DIR: join(dir, 'data'), DATABASE_URL: '', NODE_ENV: 'production' };
    const first = await startServeProcess(env);
    try {
      expect(await (await fetch(`${first.url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
      const res = await fetch(`${first.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ reports { totalCount edges { node { slug itemCount } } } }' }),
      });
      expect(res.headers.get('x-request-id')).toBeTruthy();
      const body = (await res.json()) as { data: { reports: { totalCount: number; edges: { node: { slug: string; itemCount: number } }[] } } };
      expect(body.data.reports.totalCount).toBe(2);
      expect(body.data.reports.edges.map((e) => e.node)).toEqual([
        { slug: '2026-11-21-ai-digest-en', itemCount: 6 },
        { slug: '2026-11-20-ai-intel', itemCount: 6 },
      ]);
      expect(first.output()).toContain('first start: loaded the example digests');
      // The embedded database is the server's alone: a CLI command on it is refused, not let in to corrupt it.
      const refused = await runCli(['keys', 'list'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`is open in another process (pid `);
      expect(refused.stderr).toContain('stop that process first, or do this through its GraphQL API');
    } finally {
      const stopped = await first.stop();
      expect(stopped.code).toBe(0);
      expect(stopped.ms).toBeLessThan(10_000);
      expect(existsSync(join(dir, 'data', 'digestql.pid'))).toBe(false);
    }
    const second = await startServeProcess(env);
    const subscriber = subscribe(second.url, 'subscription { itemPublished { cursor } }');
    try {
      await subscriptionsLive(second.url);
      expect(second.output()).not.toContain('first start');
      const res = await fetch(`${second.url}/graphql?query=${encodeURIComponent('{ latestReport { slug } }')}`, {
        headers: { 'apollo-require-preflight': 'true' },
      });
      expect(await res.json()).toEqual({ data: { latestReport: { slug: '2026-11-21-ai-digest-en' } } });
    } finally {
      const stopped = await second.stop();
      expect(stopped.code).toBe(0);
      expect(stopped.ms).toBeLessThan(10_000);
    }
    // Open sockets are closed with 1001 (going away), so clients reconnect elsewhere.
    expect((await subscriber.closed).code).toBe(1001);
    await subscriber.dispose();
    // Three real processes start here (tsx compiles on each start): on a busy 2-core machine that
    // alone can take a minute. Each step has its own bound (startServeProcess: 60 s).
  }, 240_000);
});

describe('digestql serve on a Postgres database that was never migrated', () => {
  (TEST_DATABASE_URL ? it : it.skip)(
    TEST_DATABASE_URL ? 'stops at once and says to run digestql migrate' : 'stops at once and says to run digestql migrate [skipped: needs TEST_DATABASE_URL]',
    async () => {
      const name = `dq_unmigrated_${process.pid}_${randomBytes(4).toString('hex')}`;
      const admin = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => undefined });
      await admin.unsafe(`CREATE DATABASE ${name}`);
      try {
        const url = new URL(TEST_DATABASE_URL!);
        url.pathname = `/${name}`;
        const served = await runCli(['serve'], { DATABASE_URL: url.toString(), HOST: '127.0.0.1', PORT: '0' });
        expect(served.code).toBe(1);
        expect(served.stderr).toMatch(/^digestql: the database \(DATABASE_URL\) lacks \d+ of this build's \d+ migrations: run `digestql migrate`/);
        // One line, no stack, no SQL.
        expect(served.stderr.trim().split('\n')).toHaveLength(1);
        expect((await runCli(['migrate'], { DATABASE_URL: url.toString() })).code).toBe(0);
      } finally {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
