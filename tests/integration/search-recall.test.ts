import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDigest } from '../../src/ingest';
import { storeReport } from '../../src/modules/publishing/publishing.service';
import { describeWithCorpus, EAGLE_DIR, SEED_FILE } from '../support/corpus';
import { exampleReport, store } from '../support/fixtures';
import { LABELLED_QUERIES } from '../support/search-labels';
import { gql, serveTestDatabase } from '../support/server';

// Loading the 58 digests is the slow part, on a busy machine too.
jest.setTimeout(120_000);

const SEARCH = 'query($q: String!) { search(query: $q, first: 10) { edges { node { title } } } }';

describeWithCorpus('search recall on the labelled query set (examples + ../shared/corpus)', () => {
  // Bulk-loaded like an archive import: the per-report entity stats are not what this measures.
  const ctx = serveTestDatabase({
    seed: async (db) => {
      await store(db, exampleReport('2026-11-20-ai-intel'));
      await store(db, exampleReport('2026-11-21-ai-digest-en'));
      for (const file of [SEED_FILE, ...readdirSync(EAGLE_DIR).filter((f) => f.endsWith('.md')).map((f) => join(EAGLE_DIR, f))]) {
        await storeReport(db.db, parseDigest(readFileSync(file), { fileName: file.split('/').pop()! }), { deferEntityStats: true });
      }
    },
  });

  it('has at least 40 queries of every kind, each with something to find', () => {
    expect(LABELLED_QUERIES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(LABELLED_QUERIES.map((q) => q.kind))).toEqual(new Set(['Traditional', 'Simplified', 'Chinese', 'English', 'mixed', 'phrase', 'exclusion']));
    for (const q of LABELLED_QUERIES) expect(q.relevant.length).toBeGreaterThan(0);
  });

  it('finds at least 95% of the relevant items in the first 10 results (recall@10)', async () => {
    const perQuery: { query: string; kind: string; recall: number; missed: string[] }[] = [];
    for (const { query, kind, relevant } of LABELLED_QUERIES) {
      const res = await gql<{ search: { edges: { node: { title: string } }[] } }>(ctx.server.url, SEARCH, { q: query });
      expect(res.errors).toBeUndefined();
      const top = new Set(res.data!.search.edges.map((e) => e.node.title));
      const missed = relevant.filter((t) => !top.has(t));
      // Recall@10 over what ten results can hold: a query with 12 relevant items is perfect with any 10 of them.
      const recall = (relevant.length - missed.length) / Math.min(relevant.length, 10);
      perQuery.push({ query, kind, recall: Math.min(1, recall), missed });
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const byKind = Object.fromEntries([...new Set(perQuery.map((q) => q.kind))].map((k) => [k, Number(mean(perQuery.filter((q) => q.kind === k).map((q) => q.recall)).toFixed(3))]));
    const overall = mean(perQuery.map((q) => q.recall));
    process.stdout.write(
      `search recall@10 over ${perQuery.length} labelled queries: ${overall.toFixed(3)} ${JSON.stringify(byKind)}\n` +
        perQuery.filter((q) => q.recall < 1).map((q) => `  ${q.query}: ${q.recall.toFixed(2)} missed ${JSON.stringify(q.missed)}\n`).join(''),
    );
    expect(overall).toBeGreaterThanOrEqual(0.95);
  });
});
