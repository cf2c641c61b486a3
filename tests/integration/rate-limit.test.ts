import { createApiKey } from '../../src/modules/auth/api-keys';
import { startServeProcess } from '../support/cli';
import { onRealPostgres } from '../support/db';
import { exampleReport, store } from '../support/fixtures';
import { gql, serveTestDatabase, startTestServer, type TestServer } from '../support/server';
import { elapse } from '../support/wait';
import { subscribe } from '../support/ws-client';

// A report page costs 6,131 points (see limits.ts: lists count at their caps); 25,000 per minute allows four, then refills at ~417/s.
const PAGE = '{ latestReport { slug sections { key items { id title entities { name } sources { url } } } } }';
const rate = { keyPerMinute: 25_000, anonymousPerMinute: 25_000 };

describe('rate limits over query cost', () => {
  const ctx = serveTestDatabase({ each: true, rateLimits: rate, seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });

  it('spends the bucket by cost, then answers 429 RATE_LIMITED with retryAfter and the headers', async () => {
    const remaining: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await gql(ctx.server.url, PAGE);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('25000');
      expect(res.headers.get('ratelimit-policy')).toBe('25000;w=60');
      remaining.push(Number(res.headers.get('ratelimit-remaining')));
    }
    // Each page took its cost (give or take the refill between requests).
    for (let i = 1; i < 4; i++) expect(remaining[i - 1]! - remaining[i]!).toBeGreaterThan(5000);
    const refused = await gql(ctx.server.url, PAGE);
    expect(refused.status).toBe(429);
    expect(refused.data).toBeUndefined();
    const err = refused.errors![0]!;
    expect(err.message).toMatch(/^rate limit exceeded: this operation costs \d+ points/);
    expect(err.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 25000 });
    const retryAfter = err.extensions!.retryAfter as number;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('retry-after')).toBe(String(retryAfter));
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeGreaterThan(0);

    // The WebSocket side takes from the same bucket.
    const ws = subscribe(ctx.server.url, PAGE);
    const { error } = await ws.done;
    expect(JSON.stringify(error)).toContain('RATE_LIMITED');
    await ws.dispose();
  });

  it('charges aliases for each copy: two lists in one request cost two lists', async () => {
    // 3,101 points each (a report's items at their cap, each with its entities): 6,202 a request.
    const twice = '{ a: latestReport { items { id entities { name } } } b: latestReport { items { id entities { name } } } }';
    const res = await gql(ctx.server.url, twice);
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('ratelimit-remaining'))).toBeLessThan(25_000 - 6_000);
    for (let i = 0; i < 3; i++) expect((await gql(ctx.server.url, twice)).status).toBe(200);
    expect((await gql(ctx.server.url, twice)).status).toBe(429);
  });

  it('refills with time, and keeps a separate bucket per key', async () => {
    for (let i = 0; i < 4; i++) await gql(ctx.server.url, PAGE);
    expect((await gql(ctx.server.url, PAGE)).status).toBe(429);
    const key = (await createApiKey(ctx.db.db, { name: 'partner', scopes: ['read'] })).key;
    const keyed = await gql(ctx.server.url, PAGE, {}, { authorization: `Bearer ${key}` });
    expect(keyed.status).toBe(200);
    expect(Number(keyed.headers.get('ratelimit-remaining'))).toBeGreaterThan(18_000);
    // ~417 points a second: a one-point query passes again within a second or two (the refill
    // over time is what is measured, so this timer stays).
    await elapse(1500);
    expect((await gql(ctx.server.url, '{ version }')).status).toBe(200);
  });

  it('is shared by every instance on the database', async () => {
    const other: TestServer = await startTestServer(ctx.db, { rateLimits: rate });
    try {
      for (let i = 0; i < 4; i++) await gql(ctx.server.url, PAGE);
      const refused = await gql(other.url, PAGE);
      expect(refused.status).toBe(429);
      expect(refused.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    } finally {
      await other.close();
    }
  });

  (onRealPostgres ? it : it.skip)(
    onRealPostgres ? 'is shared with another server process' : 'is shared with another server process [skipped: needs TEST_DATABASE_URL; a second process cannot open the embedded database]',
    async () => {
    const proc = await startServeProcess({ DATABASE_URL: ctx.db.url!, RATE_LIMIT_ANON_PER_MINUTE: '25000' });
    try {
      for (let i = 0; i < 4; i++) expect((await gql(proc.url, PAGE)).status).toBe(200);
      expect((await gql(ctx.server.url, PAGE)).status).toBe(429);
    } finally {
      await proc.stop();
    }
    },
    60_000,
  );
});
