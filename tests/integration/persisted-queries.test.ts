import { createHash } from 'node:crypto';
import { createApiKey } from '../../src/modules/auth/api-keys';
import { exampleReport, store } from '../support/fixtures';
import { serveTestDatabase, startTestServer } from '../support/server';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const REPORT = 'query Report($slug: String!) { report(slug: $slug) { slug title } }';

/** A GET as Apollo Client sends it with useGETForHashedQueries: the hash, no document. */
async function getHashed(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const params = new URLSearchParams({
    variables: JSON.stringify(variables),
    extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256(query) } }),
  });
  const res = await fetch(`${url}/graphql?${params}`, { headers: { 'apollo-require-preflight': 'true', accept: 'application/json', ...headers } });
  return { res, body: (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] } };
}

async function postWithDocument(url: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } }),
  });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

describe('automatic persisted queries and cacheable GETs', () => {
  const ctx = serveTestDatabase({ seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });
  const vars = { slug: '2026-11-20-ai-intel' };

  it('asks for the document once, then answers the hash alone, by GET, cacheable by a CDN', async () => {
    const query = `${REPORT} # ${Date.now()}`;
    const unknown = await getHashed(ctx.server.url, query, vars);
    expect(unknown.body.errors?.[0]?.message).toBe('PersistedQueryNotFound');
    expect(unknown.res.headers.get('cache-control')).toBe('private, no-store');

    expect((await postWithDocument(ctx.server.url, query, vars)).data).toEqual({ report: { slug: vars.slug, title: expect.any(String) } });
    const hashed = await getHashed(ctx.server.url, query, vars);
    expect(hashed.res.status).toBe(200);
    expect(hashed.body.data).toEqual({ report: { slug: vars.slug, title: expect.any(String) } });
    expect(hashed.res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(hashed.res.headers.get('vary')).toContain('authorization');
  });

  it('never marks a keyed or failed GET as shareable', async () => {
    const query = `${REPORT} # keyed ${Date.now()}`;
    await postWithDocument(ctx.server.url, query, vars);
    const { key } = await createApiKey(ctx.db.db, { name: 'apq-reader', scopes: ['read'] });
    const keyed = await getHashed(ctx.server.url, query, vars, { authorization: `Bearer ${key}` });
    expect(keyed.body.data).toBeTruthy();
    expect(keyed.res.headers.get('cache-control')).toBe('private, no-store');
    const failed = await getHashed(ctx.server.url, query, { slug: 42 });
    expect(failed.body.errors).toBeTruthy();
    expect(failed.res.headers.get('cache-control')).toBe('private, no-store');
  });

  it('keeps at most APQ_CACHE_BYTES of documents: the oldest are forgotten and asked for again', async () => {
    const server = await startTestServer(ctx.db, { persistedQueryCacheBytes: 400 });
    try {
      const docs = Array.from({ length: 6 }, (_, i) => `query Q${i} { latestReport { slug } } # padding to about a hundred bytes, number ${i}`);
      for (const d of docs) expect((await postWithDocument(server.url, d, {})).data).toBeTruthy();
      expect((await getHashed(server.url, docs[0]!, {})).body.errors?.[0]?.message).toBe('PersistedQueryNotFound');
      expect((await getHashed(server.url, docs[5]!, {})).body.data).toBeTruthy();
      // The protocol's retry brings an evicted document back.
      await postWithDocument(server.url, docs[0]!, {});
      expect((await getHashed(server.url, docs[0]!, {})).body.data).toBeTruthy();
    } finally {
      await server.close();
    }
  });

  it('APQ_CACHE_BYTES=0 turns persisted queries off', async () => {
    const server = await startTestServer(ctx.db, { persistedQueryCacheBytes: 0 });
    try {
      expect((await getHashed(server.url, REPORT, vars)).body.errors?.[0]?.message).toBe('PersistedQueryNotSupported');
    } finally {
      await server.close();
    }
  });
});
