import { serveTestDatabase } from '../support/server';

/** What Chrome sends when a person types the address. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('a browser at / and /graphql', () => {
  const ctx = serveTestDatabase();

  it.each(['/graphql', '/'])('GET %s from a browser answers a page that says how to query, not a CSRF error or a 404', async (path) => {
    const res = await fetch(`${ctx.server.url}${path}`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('POST');
    expect(html).toContain('graphql-transport-ws');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('Cross-Site Request Forgery');
  });

  it('leaves GraphQL requests and other clients as they were', async () => {
    // A GET query still goes to GraphQL (and still needs the preflight header against CSRF).
    const q = encodeURIComponent('{ latestReport { slug } }');
    const get = await fetch(`${ctx.server.url}/graphql?query=${q}`, { headers: { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' } });
    expect(get.headers.get('content-type')).toMatch(/application\/(graphql-response\+)?json/);
    expect(await get.json()).toEqual({ data: { latestReport: null } });
    // A client that does not ask for HTML gets JSON: the 404 at / and Apollo's answer at /graphql.
    const root = await fetch(`${ctx.server.url}/`, { headers: { accept: 'application/json' } });
    expect(root.status).toBe(404);
    const api = await fetch(`${ctx.server.url}/graphql`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(400);
    expect(api.headers.get('content-type')).toMatch(/json/);
    // HEAD from a browser: the headers, no body.
    const head = await fetch(`${ctx.server.url}/graphql`, { method: 'HEAD', headers: { accept: BROWSER_ACCEPT } });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
