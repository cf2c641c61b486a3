import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dns from 'node:dns/promises';
import { getOperationAST, parse } from 'graphql';
import { createApiKey } from '../../src/modules/auth/api-keys';
import { ROOT, cliDatabase } from '../support/cli';
import { onRealPostgres, TEST_DATABASE_URL } from '../support/db';
import { EXAMPLES_DIR } from '../support/corpus';
import { exampleReport, store } from '../support/fixtures';
import { gql, serveTestDatabase } from '../support/server';
import { subscriptionsLive, until } from '../support/wait';
import { subscribe } from '../support/ws-client';

/**
 * Every GraphQL, shell and JavaScript example in the README, run as written against real servers,
 * so the README cannot drift from what works. Each fenced block is handled by exactly one case
 * below; a block no case claims fails the first test. The one rewrite: `localhost:4000` becomes
 * the test server's port (tests never take a fixed port). Shell lines that cannot run inside a
 * test (installing, starting the test suite itself) are listed with where they are run instead.
 */

interface Block {
  line: number;
  lang: string;
  text: string;
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS: Block[] = [...README.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  line: README.slice(0, m.index).split('\n').length,
  lang: m[1]!,
  text: m[2]!,
}));
/** The blocks a reader runs: shell, GraphQL and JavaScript. Untagged blocks are diagrams and synopses. */
const RUNNABLE = BLOCKS.filter((b) => ['sh', 'graphql', 'js'].includes(b.lang));

/** Shell commands that are not run here, and where they are run instead. */
const RUN_ELSEWHERE: [RegExp, string][] = [
  [/^npm ci && npm start\b/, 'tests/e2e/serve.test.ts runs `serve` on a fresh embedded database as `npm start` does; .ci/run runs `npm ci`'],
  [/^PUBLISH_TOKEN=\S+ npm start$/, 'the server of this file is started with that PUBLISH_TOKEN'],
  [/^npm ci && npm run build$/, 'built once before these tests; .ci/run runs `npm ci`'],
  [/^npm test\b/, '.ci/run (this test is part of that run)'],
  [/^npm run test:pg\b/, '.ci/run runs the suite on real Postgres'],
  [/^npm run typecheck && npm run lint\b/, '.ci/run'],
  [/^npm run codegen\b/, '.ci/run runs `npm run codegen:check`'],
];

/** A shell block's commands (backslash continuations joined), and the script of those that run here. */
function shellScript(block: Block, port: number): { script: string; skipped: string[] } {
  const commands = block.text.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const skipped: string[] = [];
  const run: string[] = [];
  for (const c of commands) {
    const elsewhere = RUN_ELSEWHERE.find(([re]) => re.test(c.trim()));
    if (elsewhere) skipped.push(c);
    else run.push(c);
  }
  return { script: ['set -euo pipefail', ...run].join('\n').replaceAll('localhost:4000', `localhost:${port}`), skipped };
}

const blockWith = (lang: string, marker: string): Block => {
  const found = RUNNABLE.filter((b) => b.lang === lang && b.text.includes(marker));
  if (found.length !== 1) throw new Error(`expected one README ${lang} block containing "${marker}", found ${found.length}`);
  return found[0]!;
};

/** Each case claims its block by a marker that only it contains. */
const CASES = {
  quickStartCommands: ['sh', 'npm ci && npm start'],
  curlQuery: ['sh', 'curl -s localhost:4000/graphql'],
  jsSubscriber: ['js', "require('graphql-ws')"],
  publishCopy: ['sh', 'publish /tmp/'],
  overviewQuery: ['graphql', 'report(slug:'],
  keysCli: ['sh', 'digestql keys create'],
  resumableSubscription: ['graphql', 'subscription($after: String)'],
  createWebhook: ['graphql', 'createWebhook('],
  searchQuery: ['graphql', 'search(query:'],
  aliasMutation: ['graphql', 'aliasEntity('],
  entitiesCli: ['sh', 'digestql entities alias'],
  production: ['sh', 'export DATABASE_URL='],
  development: ['sh', 'npm run db:generate'],
} as const satisfies Record<string, readonly [string, string]>;

const PUBLISH_TOKEN = 'dev-token-0123456789';
const BIN = mkdtempSync(join(tmpdir(), 'digestql-readme-bin-'));

/** Runs a shell script with `digestql` on the PATH (as `npm link` or a global install puts it). */
function sh(script: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, PATH: `${BIN}:${process.env.PATH}`, LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(() => {
  // The shell examples run the built CLI (`npm run digestql`, `node dist/src/cli.js`), as a reader's checkout would.
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  writeFileSync(join(BIN, 'digestql'), `#!/bin/sh\nexec node ${JSON.stringify(join(ROOT, 'dist/src/cli.js'))} "$@"\n`);
  chmodSync(join(BIN, 'digestql'), 0o755);
}, 180_000);
afterAll(() => rmSync(BIN, { recursive: true, force: true }));

describe('README examples', () => {
  it('are each claimed by exactly one case of this file', () => {
    const claimed = Object.values(CASES).map(([lang, marker]) => blockWith(lang, marker));
    const unclaimed = RUNNABLE.filter((b) => !claimed.includes(b)).map((b) => `README.md:${b.line} (${b.lang})`);
    expect(unclaimed).toEqual([]);
    expect(new Set(claimed).size).toBe(claimed.length);
  });
});

describe('README examples against a server with the sample digests', () => {
  const ctx = serveTestDatabase({
    publishToken: PUBLISH_TOKEN,
    // What `npm start` loads on first start.
    seed: async (db) => {
      await store(db, exampleReport('2026-11-20-ai-intel'));
      await store(db, exampleReport('2026-11-21-ai-digest-en'));
    },
  });
  const port = () => Number(new URL(ctx.server.url).port);

  it('the quick start lists only commands run elsewhere', () => {
    const { script, skipped } = shellScript(blockWith(...CASES.quickStartCommands), port());
    expect(script).toBe('set -euo pipefail');
    expect(skipped).toHaveLength(2);
  });

  it('the quick start curl answers the latest report', async () => {
    const { script } = shellScript(blockWith(...CASES.curlQuery), port());
    const out = await sh(script);
    expect(out.code).toBe(0);
    const body = JSON.parse(out.stdout) as { data: { latestReport: { title: string; sections: { items: unknown[] }[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.latestReport.sections.flatMap((s) => s.items).length).toBeGreaterThan(0);
  });

  it('the quick start subscriber prints the HIGH items of the digest the next block publishes', async () => {
    const program = blockWith(...CASES.jsSubscriber).text.replaceAll('localhost:4000', `localhost:${port()}`);
    const child = spawn(process.execPath, ['-e', program], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await subscriptionsLive(ctx.server.url);
      const { script, skipped } = shellScript(blockWith(...CASES.publishCopy), port());
      expect(skipped).toEqual(['PUBLISH_TOKEN=dev-token-0123456789 npm start']);
      const out = await sh(script);
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('2026-11-29-my-digest');
      // "prints its two HIGH items as soon as the publish commits"
      await until(() => (stdout.match(/type: 'PUBLISHED'/g) ?? []).length === 2, `two items printed (stdout: ${stdout}, stderr: ${stderr})`);
      expect(stderr).toBe('');
    } finally {
      child.kill();
    }
  }, 120_000);

  it('the overview query answers every field it asks for', async () => {
    const res = await gql<Record<string, unknown>>(ctx.server.url, blockWith(...CASES.overviewQuery).text);
    expect(res.errors).toBeUndefined();
    for (const [field, value] of Object.entries(res.data!)) expect([field, value]).not.toEqual([field, null]);
    const items = res.data!.items as { totalCount: number };
    expect(items.totalCount).toBeGreaterThan(0);
    const entity = res.data!.entity as { mentionCount: number };
    expect(entity.mentionCount).toBeGreaterThan(0);
  });

  it('the search example finds the Traditional item for a Simplified query and highlights it', async () => {
    type Hit = { score: number; node: { title: string }; highlights: { field: string; snippet: string; matches: { start: number; length: number }[] }[] };
    const res = await gql<{ search: { totalCount: number; edges: Hit[] } }>(ctx.server.url, blockWith(...CASES.searchQuery).text);
    expect(res.errors).toBeUndefined();
    const [first] = res.data!.search.edges;
    expect(first!.node.title).toBe('多專家獎勵模型降低 RLHF 的獎勵駭客行為');
    const title = first!.highlights.find((h) => h.field === 'title')!;
    expect(title.matches.map((m) => title.snippet.slice(m.start, m.start + m.length))).toEqual(['獎勵模型', 'RLHF']);
  });

  it('the resumable subscription gets new HIGH items, and resumes from a cursor', async () => {
    const query = blockWith(...CASES.resumableSubscription).text;
    expect(getOperationAST(parse(query))?.operation).toBe('subscription');
    type Ev = { itemPublished: { cursor: string; type: string; item: { title: string; importance: string } } };
    const live = subscribe<Ev>(ctx.server.url, query, {});
    await subscriptionsLive(ctx.server.url);
    const md = readFileSync(join(EXAMPLES_DIR, '2026-11-21-ai-digest-en.md'), 'utf8');
    const published = await gql(ctx.server.url, 'mutation($md: String!) { publishMarkdown(markdown: $md, slug: "readme-resume") { added } }', { md }, { authorization: `Bearer ${PUBLISH_TOKEN}` });
    expect(published.errors).toBeUndefined();
    // The English sample has two HIGH items.
    const got = await live.waitFor(2, 20_000);
    expect(got.map((r) => r.data!.itemPublished.item.importance)).toEqual(['HIGH', 'HIGH']);
    await live.dispose();
    // Resume after the first event: the second, and nothing before it.
    const resumed = subscribe<Ev>(ctx.server.url, query, { after: got[0]!.data!.itemPublished.cursor });
    expect((await resumed.waitFor(1, 20_000)).map((r) => r.data!.itemPublished.cursor)).toEqual([got[1]!.data!.itemPublished.cursor]);
    await resumed.dispose();
  }, 60_000);

  it('the webhook example registers an endpoint, filter written inline as shown', async () => {
    // The example's host is made up and this machine has no DNS: it resolves to a public address
    // here, as a partner's host would (registration refuses hosts that do not resolve).
    const real = dns.lookup;
    const lookup = jest.spyOn(dns, 'lookup').mockImplementation(((host: string, options: unknown) =>
      host === 'partner.example' ? Promise.resolve([{ address: '93.184.215.14', family: 4 }]) : real(host, options as never)) as typeof dns.lookup);
    try {
      const admin = (await createApiKey(ctx.db.db, { name: 'readme-admin', scopes: ['admin'] })).key;
      const res = await gql<{ createWebhook: { webhook: { id: string }; secret: string } }>(ctx.server.url, blockWith(...CASES.createWebhook).text, {}, { authorization: `Bearer ${admin}` });
      expect(res.errors).toBeUndefined();
      expect(res.data!.createWebhook.secret).toMatch(/^whsec_/);
      const read = await gql<{ webhook: { url: string; filter: unknown } }>(ctx.server.url, 'query($id: ID!) { webhook(id: $id) { url } }', { id: res.data!.createWebhook.webhook.id }, { authorization: `Bearer ${admin}` });
      expect(read.errors).toBeUndefined();
      expect(read.data!.webhook.url).toBe('https://partner.example/digestql');
    } finally {
      lookup.mockRestore();
    }
  });
});

describe('README entity alias example against a server with the sample digests', () => {
  const ctx = serveTestDatabase({
    seed: async (db) => {
      await store(db, exampleReport('2026-11-20-ai-intel'));
      await store(db, exampleReport('2026-11-21-ai-digest-en'));
    },
  });

  it('aliasEntity merges the English entity into the Chinese one', async () => {
    const admin = (await createApiKey(ctx.db.db, { name: 'readme-admin', scopes: ['admin'] })).key;
    const res = await gql<{ aliasEntity: unknown }>(ctx.server.url, blockWith(...CASES.aliasMutation).text, {}, { authorization: `Bearer ${admin}` });
    expect(res.errors).toBeUndefined();
    expect(res.data!.aliasEntity).toEqual({ name: '獎勵模型', mentionCount: 2, aliases: ['Reward Models'] });
    const items = await gql<{ items: { totalCount: number } }>(ctx.server.url, '{ items(filter: { entities: ["reward models"] }) { totalCount } }');
    expect(items.data!.items.totalCount).toBe(2);
  });
});

describe('README command-line examples', () => {
  const db = cliDatabase('readme');

  it('the API key commands create, list and revoke a key', async () => {
    const { script, skipped } = shellScript(blockWith(...CASES.keysCli), 0);
    expect(skipped).toEqual([]);
    const out = await sh(script, db.env);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^dq_live_\S+$/m);
    expect(out.stdout).toContain('slack-bot');
    expect(out.stdout).toMatch(/revoked/i);
  }, 120_000);

  it('the entity alias commands alias, list and remove an alias', async () => {
    const { script, skipped } = shellScript(blockWith(...CASES.entitiesCli), 0);
    expect(skipped).toEqual([]);
    const out = await sh(script, db.env);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('"reward models" is now an alias of "獎勵模型" (key 獎勵模型, 2 published mentions)');
    expect(out.stdout).toContain('reward models  →  獎勵模型  (key reward models → 獎勵模型)');
    expect(out.stdout).toContain('"reward models" is no longer an alias of "獎勵模型"');
  }, 120_000);

  it('the development commands: the migrations match the tables', async () => {
    const { script, skipped } = shellScript(blockWith(...CASES.development), 0);
    expect(skipped).toHaveLength(4);
    const out = await sh(script);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/No schema changes/);
  }, 120_000);

  const production = 'the production commands migrate a Postgres database and serve it';
  (onRealPostgres ? it : it.skip)(onRealPostgres ? production : `${production} (skipped: needs real Postgres, TEST_DATABASE_URL is unset)`, async () => {
    const { script, skipped } = shellScript(blockWith(...CASES.production), 0);
    expect(skipped).toEqual(['npm ci && npm run build']);
    // The reader's DATABASE_URL is a placeholder: point it at this file's test database.
    const target = db.env.DATABASE_URL ?? TEST_DATABASE_URL!;
    const runnable = script.replace(/^export DATABASE_URL=.*$/m, `export DATABASE_URL=${target}`);
    expect(runnable).not.toBe(script);
    // Its own process group: `serve` is bash's child, and both are stopped together.
    const child = spawn('bash', ['-c', runnable], { cwd: ROOT, detached: true, env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => out.includes('digestql is serving'), `serve to listen (output: ${out})`, 90_000);
      const url = (JSON.parse(out.split('\n').find((l) => l.includes('digestql is serving'))!) as { url: string }).url;
      const res = await gql(url.replace(/\/graphql$/, ''), '{ reports { totalCount } }');
      expect(res.errors).toBeUndefined();
    } finally {
      const closed = new Promise((r) => child.once('close', r));
      process.kill(-child.pid!, 'SIGTERM');
      await closed;
    }
  }, 120_000);
});
