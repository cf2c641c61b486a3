import { rawSql } from '../support/db';
import { exampleReport, store } from '../support/fixtures';
import { gql, serveTestDatabase } from '../support/server';

describe('a database failure is masked for the client and logged with its detail', () => {
  const ctx = serveTestDatabase({ seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });

  it('answers INTERNAL_SERVER_ERROR with a request id, and no SQL, table name or stack', async () => {
    await rawSql(ctx.db, 'ALTER TABLE report_keywords RENAME TO report_keywords_gone');
    try {
      const res = await gql<{ report: { slug: string; keywords: string[] | null } | null }>(
        ctx.server.url,
        '{ report(slug: "2026-11-20-ai-intel") { slug keywords } }',
        {},
        { 'x-request-id': 'req-test-123' },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('req-test-123');
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]).toEqual({
        message: 'Internal server error',
        locations: [{ line: 1, column: 46 }],
        path: ['report', 'keywords'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-test-123' },
      });
      const text = JSON.stringify(res);
      for (const leak of ['report_keywords', 'select', 'relation', 'stack', 'at ']) expect(text.toLowerCase()).not.toContain(leak);
    } finally {
      await rawSql(ctx.db, 'ALTER TABLE report_keywords_gone RENAME TO report_keywords');
    }
    const ok = await gql<{ report: { keywords: string[] } }>(ctx.server.url, '{ report(slug: "2026-11-20-ai-intel") { keywords } }');
    expect(ok.data!.report.keywords).toHaveLength(5);
  });
});
