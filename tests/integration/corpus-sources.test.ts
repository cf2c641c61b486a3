import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { eq, or, sql } from 'drizzle-orm';
import { items, reports, sections, sources } from '../../src/db/tables';
import { collectMarkdownFiles, ingestFiles } from '../../src/modules/publishing/ingest-files';
import { CORPUS_DIR, describeWithCorpus } from '../support/corpus';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { markdownLinkUrls } from '../support/markdown-links';

/**
 * Issue 15.2: every link of a real digest, wherever it is written (items, details, extra blocks,
 * prose sections, lists, tables), is stored as a source of its report: stored through the same
 * path as `digestql ingest`, read back from the database, compared with the file's own links.
 */
describeWithCorpus('every link of every corpus file is a stored source', () => {
  let db: TestDatabase;
  let files: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    files = (await collectMarkdownFiles([CORPUS_DIR])).filter((f) => basename(f) !== 'README.md');
    const outcomes = await ingestFiles(db, files);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  }, 120_000);
  afterAll(() => db.dispose());

  const storedUrls = async (slug: string): Promise<Set<string>> => {
    const rows = await db.db
      .select({ url: sources.url })
      .from(sources)
      .leftJoin(items, eq(sources.itemId, items.id))
      .leftJoin(sections, eq(sources.sectionId, sections.id))
      .innerJoin(reports, or(eq(reports.id, items.reportId), eq(reports.id, sections.reportId)))
      .where(sql`${reports.slug} = ${slug}`);
    return new Set(rows.map((r) => r.url).filter((u): u is string => u !== null));
  };

  it('reads the whole corpus (both generators)', () => {
    expect(files.length).toBeGreaterThanOrEqual(53);
  });

  it('the link URLs of each file equal the source URLs stored for its report', async () => {
    const mismatches: Record<string, { notStored: string[]; notInFile: string[] }> = {};
    for (const file of files) {
      const inFile = markdownLinkUrls(readFileSync(file, 'utf8'));
      const stored = await storedUrls(basename(file, '.md'));
      const notStored = [...inFile].filter((u) => !stored.has(u));
      const notInFile = [...stored].filter((u) => !inFile.has(u));
      if (notStored.length || notInFile.length) mismatches[relative(CORPUS_DIR, file)] = { notStored, notInFile };
      expect(inFile.size).toBeGreaterThan(0);
    }
    expect(mismatches).toEqual({});
  });
});
