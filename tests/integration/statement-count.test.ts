import { createTestDatabase, type TestDatabase } from '../support/db';
import { store, syntheticReport } from '../support/fixtures';
import { FULL_REPORT_PAGE as FULL_PAGE } from '../support/queries';
import { gql, startTestServer, type TestServer } from '../support/server';
import { until } from '../support/wait';

describe('a full report page costs a constant number of SQL statements (no N+1)', () => {
  let db: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    await store(db, syntheticReport('small', 30, '2026-01-01T00:00:00Z'));
    await store(db, syntheticReport('large', 300, '2026-01-02T00:00:00Z'));
    // No event polling: every statement counted is the query's own.
    server = await startTestServer(db, { pollIntervalMs: 600_000 });
    // Its listener connected and issued its catch-up read (counted when issued): the hub's last statement.
    await until(() => server.hub.stats().listening, 'the event listener to connect');
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
  });

  async function statementsFor(slug: string): Promise<{ count: number; items: number }> {
    const before = db.statements.count;
    const res = await gql<{ report: { sections: { items: unknown[] }[] } }>(server.url, FULL_PAGE, { slug });
    expect(res.errors).toBeUndefined();
    return { count: db.statements.count - before, items: res.data!.report.sections.reduce((n, s) => n + s.items.length, 0) };
  }

  it('is the same for 30 and 300 items, and small', async () => {
    const small = await statementsFor('small');
    const large = await statementsFor('large');
    expect(small.items).toBe(30);
    expect(large.items).toBe(300);
    expect(large.count).toBe(small.count);
    // report, keywords, sections, section sources, items, tags, entities (with their stats), item sources
    expect(small.count).toBeLessThanOrEqual(10);
  });
});
