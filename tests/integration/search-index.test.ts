import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/db/migrations';
import { backfillSearch } from '../../src/modules/search/search-index.repository';
import { buildSearchVector, parseSearchVector } from '../../src/modules/search/search-doc';
import { corpusAvailable } from '../support/corpus';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { exampleReport, seedReport, store } from '../support/fixtures';

describe('the search index column', () => {
  let db: TestDatabase;
  const documents = async (): Promise<Map<string, string | null>> =>
    new Map(rowsOf<{ id: string; search: string | null }>(await db.db.execute(sql`SELECT id, search::text AS search FROM items ORDER BY id`)).map((r) => [r.id, r.search]));

  beforeAll(async () => {
    db = await createTestDatabase();
    await store(db, exampleReport('2026-11-20-ai-intel'));
    await store(db, exampleReport('2026-11-21-ai-digest-en'));
    if (corpusAvailable) await store(db, seedReport());
  });
  afterAll(() => db.dispose());

  it('is written for every item in the publish transaction, weighted, and reads back as the application built it', async () => {
    const docs = await documents();
    expect(docs.size).toBeGreaterThan(10);
    for (const text of docs.values()) expect(text).toMatch(/^'/);
    // The title's tokens weigh A: 獎勵 (reward) is in a title of the Traditional example.
    const rows = rowsOf<{ search: string }>(await db.db.execute(sql`SELECT search::text AS search FROM items WHERE title LIKE '多專家獎勵模型%'`));
    expect(rows[0]!.search).toMatch(/'奖励':\d+A/);
    expect(rows[0]!.search).toMatch(/'rlhf':\d+A/);
  });

  it('stores the document the publish announced to live search, unchanged (positions, limits)', async () => {
    const docs = await documents();
    const announced = rowsOf<{ id: string; search: string }>(
      await db.db.execute(sql`SELECT DISTINCT ON (item_id) item_id AS id, facts->>'search' AS search FROM events WHERE type = 'ITEM_PUBLISHED' ORDER BY item_id, seq DESC`),
    );
    expect(announced.length).toBe(docs.size);
    for (const a of announced) expect(parseSearchVector(a.search)).toEqual(parseSearchVector(docs.get(a.id)!));
  });

  it('builds documents within Postgres limits, so one reads back as built (256 positions a lexeme, position 16383)', async () => {
    const literal = buildSearchVector({
      title: "O'Reilly \\ 評判",
      summary: 'token '.repeat(300),
      details: Array.from({ length: 17_000 }, (_, i) => `w${i % 50}`).join(' '),
      applications: null,
      body: null,
      extra: [],
      entities: ['供應鏈'],
      tags: [],
      sources: [],
    });
    const [row] = rowsOf<{ text: string }>(await db.db.execute(sql`SELECT ${literal}::tsvector::text AS text`));
    expect(parseSearchVector(row!.text)).toEqual(parseSearchVector(literal));
    expect(parseSearchVector(literal).get('token')).toHaveLength(256);
  });

  it('backfills rows stored before the column existed with exactly what a publish writes', async () => {
    const before = await documents();
    await db.db.execute(sql`UPDATE items SET search = NULL`);
    expect([...(await documents()).values()].every((d) => d === null)).toBe(true);
    expect(await backfillSearch(db.db)).toBe(before.size);
    const after = await documents();
    for (const [id, text] of before) expect(parseSearchVector(after.get(id)!)).toEqual(parseSearchVector(text!));
    expect(await backfillSearch(db.db)).toBe(0);
  });
});
