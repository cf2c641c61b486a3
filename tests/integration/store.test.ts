import { sql } from 'drizzle-orm';
import { entities, events, items, reports } from '../../src/db/tables';
import type { Report } from '../../src/ingest';
import { createTestDatabase, rawSql, type TestDatabase } from '../support/db';
import { refreshAllEntityStats, storeReport } from '../../src/modules/publishing/publishing.service';
import { exampleReport, store, syntheticReport } from '../support/fixtures';

describe('storing a report (one transaction, stable ids, a diff)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.dispose());

  const count = async (table: typeof items | typeof reports | typeof events): Promise<number> => {
    const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(table);
    return row!.n;
  };
  const withItems = (r: Report, f: (items: Report['sections'][number]['items']) => Report['sections'][number]['items']): Report => ({
    ...r,
    sections: r.sections.map((s, i) => (i === 0 ? { ...s, items: f(s.items) } : s)),
  });

  it('stores a new report and reports every item as added', async () => {
    const report = exampleReport('2026-11-20-ai-intel');
    const result = await store(db, report);
    expect(result).toMatchObject({ slug: '2026-11-20-ai-intel', created: true, updated: [], removed: [], unchanged: 0 });
    expect(result.added).toHaveLength(6);
    expect(await count(items)).toBe(6);
    // 6 ITEM_PUBLISHED and one REPORT_PUBLISHED.
    expect(await count(events)).toBe(7);
  });

  it('re-storing the same report changes nothing and announces nothing', async () => {
    const before = await db.db.select({ id: items.id, title: items.title }).from(items).orderBy(items.position);
    const eventsBefore = await count(events);
    const result = await store(db, exampleReport('2026-11-20-ai-intel'));
    expect(result).toMatchObject({ created: false, added: [], updated: [], removed: [], unchanged: 6, eventCount: 0 });
    const after = await db.db.select({ id: items.id, title: items.title }).from(items).orderBy(items.position);
    expect(after).toEqual(before);
    expect(await count(reports)).toBe(1);
    expect(await count(events)).toBe(eventsBefore);
  });

  it('keeps ids of items whose title is unchanged and reports added, updated and removed', async () => {
    const original = exampleReport('2026-11-20-ai-intel');
    const ids = new Map((await db.db.select({ id: items.id, title: items.title }).from(items)).map((r) => [r.title, r.id]));
    const [first, second] = original.sections[0]!.items;
    const changed = withItems(original, () => [
      { ...first!, summary: 'A corrected summary.' },
      { ...second!, title: 'A brand new item', position: 2 },
    ]);
    const result = await store(db, changed);
    expect(result.updated).toEqual([ids.get(first!.title)]);
    expect(result.removed).toEqual([ids.get(second!.title)]);
    expect(result.added).toHaveLength(1);
    expect(result.added[0]).not.toBe(ids.get(second!.title));
    expect(result.unchanged).toBe(4);
    const types = await db.db.select({ type: events.type }).from(events).orderBy(events.seq);
    expect(types.slice(-4).map((t) => t.type).sort()).toEqual(['ITEM_PUBLISHED', 'ITEM_REMOVED', 'ITEM_UPDATED', 'REPORT_PUBLISHED']);
  });

  it('a draft is stored but announces nothing until it is published', async () => {
    const draft = { ...exampleReport('2026-11-21-ai-digest-en'), draft: true };
    const eventsBefore = await count(events);
    const stored = await store(db, draft);
    expect(stored).toMatchObject({ draft: true, eventCount: 0 });
    expect(await count(events)).toBe(eventsBefore);
    const published = await store(db, { ...draft, draft: false });
    // Every item is announced when the draft goes public, though none is new to the database.
    expect(published).toMatchObject({ added: [], unchanged: 6, eventCount: 7 });
  });

  it('items reordered and nothing else: the report changed (REPORT_PUBLISHED), no item did', async () => {
    const original = exampleReport('2026-11-20-ai-intel');
    await store(db, original);
    const [a, b] = original.sections[0]!.items;
    const swapped = withItems(original, (list) => [{ ...b!, position: a!.position }, { ...a!, position: b!.position }, ...list.slice(2)]);
    const ids = new Map((await db.db.select({ id: items.id, title: items.title }).from(items)).map((r) => [r.title, r.id]));
    const result = await store(db, swapped);
    expect(ids.size).toBeGreaterThan(2);
    expect(result).toMatchObject({ added: [], updated: [], removed: [], eventCount: 1 });
    const types = await db.db.select({ type: events.type }).from(events).orderBy(events.seq);
    expect(types.at(-1)!.type).toBe('REPORT_PUBLISHED');
    await store(db, original);
  });

  it('a re-publish that changes nothing keeps the report as it was, updatedAt included', async () => {
    const report = exampleReport('2026-11-20-ai-intel');
    await store(db, report);
    const at = async () => (await db.db.select({ u: reports.updatedAt }).from(reports).where(sql`${reports.slug} = ${report.slug}`))[0]!.u.getTime();
    const before = await at();
    expect((await store(db, report)).eventCount).toBe(0);
    expect(await at()).toBe(before);
  });

  it('withdrawing a published report says so, even one without items (nothing else would tell readers)', async () => {
    const empty: Report = { ...exampleReport('2026-11-20-ai-intel'), slug: 'no-items-yet', sections: [] };
    expect((await store(db, empty)).eventCount).toBeGreaterThan(0);
    const withdrawn = await store(db, { ...empty, draft: true });
    expect(withdrawn.eventCount).toBe(1);
    const [last] = await db.db.select({ type: events.type, facts: events.facts }).from(events).orderBy(sql`${events.seq} DESC`).limit(1);
    expect(last).toMatchObject({ type: 'REPORT_WITHDRAWN', facts: { reportSlug: 'no-items-yet' } });
    // A draft stored again, or withdrawn again, is silent.
    expect((await store(db, { ...empty, draft: true })).eventCount).toBe(0);
  });

  it('writes all or nothing: a failure mid-transaction leaves the previous version intact', async () => {
    await rawSql(
      db,
      `CREATE FUNCTION fail_on_boom() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.tag = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`,
    );
    await rawSql(
      db,
      `CREATE TRIGGER fail_on_boom BEFORE INSERT ON item_tags FOR EACH ROW EXECUTE FUNCTION fail_on_boom();`,
    );
    try {
      const snapshot = async () => ({
        items: await db.db.select().from(items).orderBy(items.id),
        events: await count(events),
      });
      const before = await snapshot();
      const broken = withItems(exampleReport('2026-11-20-ai-intel'), (list) => list.map((i) => ({ ...i, title: `${i.title}!`, tags: ['boom'] })));
      await expect(store(db, broken)).rejects.toThrow();
      expect(await snapshot()).toEqual(before);

      const fresh = { ...exampleReport('2026-11-20-ai-intel'), slug: 'never-stored' };
      const brokenNew = withItems(fresh, (list) => list.map((i) => ({ ...i, tags: ['boom'] })));
      await expect(store(db, brokenNew)).rejects.toThrow();
      const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(reports).where(sql`slug = 'never-stored'`);
      expect(row!.n).toBe(0);
    } finally {
      await rawSql(db, 'DROP TRIGGER fail_on_boom ON item_tags');
      await rawSql(db, 'DROP FUNCTION fail_on_boom()');
    }
  });

  it('concurrent publishes of reports naming the same entities neither deadlock nor miscount', async () => {
    const reports = Array.from({ length: 6 }, (_, i) => syntheticReport(`parallel-${i}`, 30, `2026-04-0${i + 1}T00:00:00Z`));
    await Promise.all(reports.map((r) => store(db, r)));
    // syntheticReport gives every item "Entity k" for k = i % 17: 30 items × 6 reports.
    const [row] = await db.db.select({ n: sql<number>`sum(mention_count)::int` }).from(entities).where(sql`key LIKE 'entity %'`);
    expect(row!.n).toBe(180);
  });

  it('a bulk import may defer entity stats and recompute them once', async () => {
    const reports = Array.from({ length: 3 }, (_, i) => syntheticReport(`bulk-${i}`, 30, `2026-05-0${i + 1}T00:00:00Z`));
    for (const r of reports) await storeReport(db.db, r, { deferEntityStats: true });
    const sum = async () => (await db.db.select({ n: sql<number>`sum(mention_count)::int` }).from(entities).where(sql`key LIKE 'entity %'`))[0]!.n;
    expect(await sum()).toBe(180);
    await refreshAllEntityStats(db.db);
    expect(await sum()).toBe(270);
  });

  it('two publishes of one slug at once leave one report, not two', async () => {
    const report = { ...exampleReport('2026-11-21-ai-digest-en'), slug: 'concurrent' };
    const results = await Promise.all([store(db, report), store(db, report)]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(items).where(sql`report_id = ${results[0]!.reportId}`);
    expect(row!.n).toBe(6);
  });
});
