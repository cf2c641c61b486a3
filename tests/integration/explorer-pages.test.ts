import { serveTestDatabase } from '../support/server';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const html = (url: string) => fetch(url, { headers: { accept: BROWSER_ACCEPT } });

describe('explorer, index and live pages (EXPLORER on)', () => {
  const ctx = serveTestDatabase({ explorer: true });

  it('serves GraphiQL at /graphql with its scripts and styles from this server only', async () => {
    const res = await html(`${ctx.server.url}/graphql`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const page = await res.text();
    const refs = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs).toEqual(['/assets/explorer.css', '/assets/explorer.js']);
    const js = await fetch(`${ctx.server.url}/assets/explorer.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await js.text()).length).toBeGreaterThan(100_000);
    const etag = js.headers.get('etag')!;
    expect((await fetch(`${ctx.server.url}/assets/explorer.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${ctx.server.url}/assets/explorer.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${ctx.server.url}/assets/nothing.js`)).status).toBe(404);
  });

  it('serves the index at /, the live page at /live and the API docs at /docs/api', async () => {
    const index = await (await html(`${ctx.server.url}/`)).text();
    for (const href of ['/graphql', '/live', '/feeds/items.atom', '/feeds/opml', '/docs/api']) expect(index).toContain(`href="${href}"`);
    const live = await html(`${ctx.server.url}/live`);
    expect(live.status).toBe(200);
    expect(await live.text()).toContain('src="/assets/live.js"');
    const docs = await (await html(`${ctx.server.url}/docs/api`)).text();
    expect(docs).toContain('<h2>API at a glance</h2>');
    // GraphQL requests are untouched.
    const q = await fetch(`${ctx.server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ latestReport { slug } }"}' });
    expect(await q.json()).toEqual({ data: { latestReport: null } });
  });
});

describe('EXPLORER off', () => {
  const ctx = serveTestDatabase({ explorer: false });

  it('keeps the static how-to page at / and /graphql', async () => {
    for (const path of ['/', '/graphql']) {
      const page = await (await html(`${ctx.server.url}${path}`)).text();
      expect(page).not.toMatch(/<script/i);
      expect(page).toContain('graphql-transport-ws');
    }
  });
});
