import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli';
import { EXAMPLES_DIR } from '../support/corpus';
import { gql, PUBLISH_TOKEN, serveTestDatabase } from '../support/server';
import { subscriptionsLive } from '../support/wait';
import { subscribe } from '../support/ws-client';

describe('digestql publish (the real CLI against a running server)', () => {
  const ctx = serveTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'digestql-publish-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes a file, and subscribers hear of it', async () => {
    const sub = subscribe<{ itemPublished: { item: { title: string } } }>(ctx.server.url, 'subscription { itemPublished(filter: { minImportance: HIGH }) { item { title } } }');
    await subscriptionsLive(ctx.server.url);
    const file = join(EXAMPLES_DIR, '2026-11-21-ai-digest-en.md');
    const res = await runCli(['publish', file, '--url', `${ctx.server.url}/graphql`, '--token', PUBLISH_TOKEN]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('→ 2026-11-21-ai-digest-en (new)');
    const got = await sub.waitFor(2);
    expect(got.map((g) => g.data!.itemPublished.item.title)).toEqual([
      'Compact reasoning model tops an open coding benchmark',
      'Industry group proposes a sandbox standard for autonomous agents',
    ]);
    const stored = await gql<{ report: { itemCount: number } }>(ctx.server.url, '{ report(slug: "2026-11-21-ai-digest-en") { itemCount } }');
    expect(stored.data!.report.itemCount).toBe(6);
    await sub.dispose();
  });

  it('refuses a bad file before sending it, and a wrong token from the server', async () => {
    const bad = join(dir, 'bad.md');
    writeFileSync(bad, readFileSync(join(EXAMPLES_DIR, '2026-11-20-ai-intel.md'), 'utf8').replace('date: 2026-11-20T07:05:00+08:00', 'date: soon'));
    const parse = await runCli(['publish', bad, '--url', `${ctx.server.url}/graphql`, '--token', PUBLISH_TOKEN]);
    expect(parse.code).toBe(1);
    expect(parse.stderr).toMatch(/bad\.md:line \d+: date: invalid date "soon"/);
    const denied = await runCli(['publish', join(EXAMPLES_DIR, '2026-11-20-ai-intel.md'), '--url', `${ctx.server.url}/graphql`, '--token', 'wrong-token']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('UNAUTHENTICATED');
    const none = await gql<{ reports: { totalCount: number } }>(ctx.server.url, '{ reports { totalCount } }');
    expect(none.data!.reports.totalCount).toBe(1);
  });
});
