import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/db/client';
import { listReports } from '../../src/modules/reports/reports.repository';
import { cliDatabase, runCli, CLI_TEST_TIMEOUT_MS } from '../support/cli';
import { rawSql } from '../support/db';
import { corpusAvailable, EXAMPLES_DIR, SEED_FILE } from '../support/corpus';
import { gql, startTestServer } from '../support/server';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

describe('digestql ingest (the real CLI)', () => {
  const cli = cliDatabase('ingest');

  beforeAll(() => {
    const good = readFileSync(join(EXAMPLES_DIR, '2026-11-20-ai-intel.md'), 'utf8');
    writeFileSync(join(cli.dir, 'bad.md'), good.replace('**重要性**：高', '**重要性**：超級高'));
  });

  /** Reads back through the service layer, after the CLI process has exited. */
  async function storedSlugs(): Promise<string[]> {
    const database: Database = cli.testDb ?? (await openDatabase({ dataDir: join(cli.dir, 'data') }));
    try {
      const rows = await listReports(database.db, { tags: null, from: null, to: null }, 100, null);
      return rows.map((r) => r.slug).sort();
    } finally {
      if (!cli.testDb) await database.close();
    }
  }

  const inputs = (): string[] => [EXAMPLES_DIR, ...(corpusAvailable ? [SEED_FILE] : []), join(cli.dir, 'bad.md')];
  const goodCount = corpusAvailable ? 3 : 2;

  it('stores the good files, reports the bad one with line and field, and exits 1', async () => {
    if (cli.testDb) expect((await runCli(['migrate'], cli.env)).code).toBe(0);
    const res = await runCli(['ingest', ...inputs()], cli.env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/FAIL .*bad\.md:line \d+: importance: unknown importance "超級高"/);
    expect(res.stdout).toContain(`${goodCount} stored, 1 failed`);
    expect(res.stdout).toMatch(/ok {3}examples\/2026-11-20-ai-intel\.md → 2026-11-20-ai-intel \(new\)/);
    const expected = ['2026-11-20-ai-intel', '2026-11-21-ai-digest-en', ...(corpusAvailable ? ['2025-11-25-ai-intel'] : [])].sort();
    expect(await storedSlugs()).toEqual(expected);
  });

  (corpusAvailable ? it : it.skip)('the seed ingested by the CLI reads back through GraphQL with its exact counts', async () => {
    const database: Database = cli.testDb ?? (await openDatabase({ dataDir: join(cli.dir, 'data') }));
    const server = await startTestServer(database);
    try {
      const res = await gql<{ report: { itemCount: number; stats: unknown; keywords: string[]; sections: { items: { importance: string }[] }[] } }>(
        server.url,
        '{ report(slug: "2025-11-25-ai-intel") { itemCount stats { articleCount topicCount } keywords sections { items { importance } } } }',
      );
      const r = res.data!.report;
      const items = r.sections.flatMap((s) => s.items);
      expect([r.sections.length, items.length, r.itemCount, r.keywords.length]).toEqual([8, 30, 30, 12]);
      expect(['HIGH', 'MEDIUM', 'LOW'].map((l) => items.filter((i) => i.importance === l).length)).toEqual([3, 20, 7]);
      expect(r.stats).toEqual({ articleCount: 254, topicCount: 30 });
    } finally {
      await server.close();
      if (!cli.testDb) await database.close();
    }
  });

  it('re-ingesting is idempotent', async () => {
    const res = await runCli(['ingest', EXAMPLES_DIR], cli.env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('(+0 ~0 -0)');
    expect(res.stdout).toContain('2 stored, 0 failed, 0 items added or updated');
  });

  it('refuses text that cannot be stored with file:line:field, and stores nothing of it', async () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, k] of [...'bcdefghi'].entries()) laughs.push(`${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`);
    const files = {
      'nul.md': '---\ntitle: Nul\ndate: 2026-05-01\n---\n\n## News\n\n### Item\n\nbefore\u0000after\n',
      'laughs.md': `---\ntitle: Laughs\ndate: 2026-05-01\n${laughs.join('\n')}\n---\n\n## News\n\n### Item\n\nText.\n`,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(cli.dir, name), text);
    const before = await storedSlugs();
    const res = await runCli(['ingest', ...Object.keys(files).map((f) => join(cli.dir, f))], cli.env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/FAIL \S*nul\.md:line 10: sections\.0\.items\.0\.body: contains a NUL character/);
    expect(res.stderr).toMatch(/FAIL \S*laughs\.md:line 7: d: front matter aliases expand too far/);
    expect(res.stdout).toContain('0 stored, 2 failed');
    expect(await storedSlugs()).toEqual(before);
  });

  it('a database error prints a short cause, never the SQL or its parameters', async () => {
    const database: Database = cli.testDb ?? (await openDatabase({ dataDir: join(cli.dir, 'data') }));
    try {
      await rawSql(
        database,
        `CREATE FUNCTION refuse_secret() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.title LIKE '%refused-by-trigger%' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF; RETURN NEW; END $$`,
      );
      await rawSql(database, 'CREATE TRIGGER refuse_secret BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION refuse_secret()');
    } finally {
      if (!cli.testDb) await database.close();
    }
    const good = readFileSync(join(EXAMPLES_DIR, '2026-11-21-ai-digest-en.md'), 'utf8');
    const secret = 'SECRET-EMBARGOED-TEXT';
    writeFileSync(join(cli.dir, 'refused.md'), good.replace(/^### .*$/m, `### refused-by-trigger ${secret}`));
    const res = await runCli(['ingest', join(cli.dir, 'refused.md')], cli.env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/FAIL \S*refused\.md: the database refused the file \(refused by a test trigger, code P0001\); nothing of it was stored\n/);
    for (const leak of [secret, 'Failed query', 'params', 'insert into']) expect(res.stderr + res.stdout).not.toContain(leak);
  });

  it('explains itself', async () => {
    const help = await runCli(['ingest', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: digestql ingest <file\|dir>/);
    const none = await runCli(['ingest'], cli.env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name at least one file or folder');
    const missing = await runCli(['ingest', join(cli.dir, 'no-such.md')], cli.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such.md');
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
  });

  it('a bad environment stops with every problem listed', async () => {
    const res = await runCli(['migrate'], { PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('invalid configuration');
    for (const v of ['PORT', 'DATABASE_URL', 'LOG_LEVEL']) expect(res.stderr).toContain(v);
  });
});
