import { request } from 'node:http';
import { createApiKey } from '../../src/modules/auth/api-keys';
import { exampleReport, store } from '../support/fixtures';
import { PUBLISH_TOKEN, serveTestDatabase, startTestServer } from '../support/server';

/** A GET with a Host header of the caller's choosing (fetch does not let one set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

describe('feed URLs: parameters, keys and the address feeds link to', () => {
  const ctx = serveTestDatabase({ publicUrl: 'https://digest.example', seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });

  it.each([['limit=1&limit=2', 'limit'], ['key=a&key=b', 'key'], ['report=x&report=y', 'report']])('a single-valued parameter given twice (%s) is a 400 naming it', async (query, param) => {
    const res = await fetch(`${ctx.server.url}/feeds/items.rss?${query}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(`${param}: given more than once`);
    expect((await fetch(`${ctx.server.url}/feeds/reports.atom?limit=1&limit=2`)).status).toBe(400);
  });

  it('with PUBLIC_URL, links use it whatever the Host header says, and the public feed is cacheable', async () => {
    for (const path of ['/feeds/items.atom', '/feeds/items.rss', '/feeds/opml']) {
      const res = await getWithHost(`${ctx.server.url}${path}`, 'evil.example');
      expect(res.status).toBe(200);
      expect(res.body).not.toContain('evil.example');
      expect(res.body).toContain('https://digest.example/');
      if (path !== '/feeds/opml') expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+/);
    }
  });

  it('without PUBLIC_URL, a feed built from the Host header is never shared-cacheable', async () => {
    const server = await startTestServer(ctx.db);
    try {
      const res = await getWithHost(`${server.url}/feeds/items.atom`, 'evil.example');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('private, no-cache');
    } finally {
      await server.close();
    }
  });

  it('only read-only keys may go in a URL: admin keys and the PUBLISH_TOKEN answer 403 naming `key`', async () => {
    const { key: admin } = await createApiKey(ctx.db.db, { name: 'admin', scopes: ['admin'] });
    const { key: reader } = await createApiKey(ctx.db.db, { name: 'reader', scopes: ['read'] });
    const url = `${ctx.server.url}/feeds/items.atom`;
    for (const key of [admin, PUBLISH_TOKEN]) {
      const res = await fetch(`${url}?key=${key}`);
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/^key: a key with the "(admin|publish)" scope may not go in a URL/);
      expect((await fetch(url, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    }
    expect((await fetch(`${url}?key=${reader}`)).status).toBe(200);
  });
});
