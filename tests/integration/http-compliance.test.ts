import { serverAudits } from 'graphql-http';
import { serveTestDatabase } from '../support/server';

/**
 * The GraphQL-over-HTTP audit suite (graphql-http) against the real server. No audit may end in
 * error; the warnings are exactly the ones the README lists, with why.
 */
const DOCUMENTED_WARNINGS = [
  'SHOULD use 200 status code on document parsing failure when accepting application/json',
  'SHOULD use 200 status code on document validation failure when accepting application/json',
  'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
];

describe('GraphQL over HTTP compliance', () => {
  const ctx = serveTestDatabase({ corsOrigins: ['https://app.example'] });

  it('passes the graphql-http server audits: no error, only the documented warnings', async () => {
    const results = await Promise.all(serverAudits({ url: `${ctx.server.url}/graphql`, fetchFn: fetch }).map(async (a) => ({ name: a.name, result: await a.fn() })));
    expect(results.length).toBeGreaterThan(40);
    const errors = results.filter((r) => r.result.status === 'error').map((r) => `${r.name}: ${'reason' in r.result ? r.result.reason : ''}`);
    expect(errors).toEqual([]);
    expect(results.filter((r) => r.result.status === 'warn').map((r) => r.name).sort()).toEqual([...DOCUMENTED_WARNINGS].sort());
  });

  it('answers GET queries (with a CSRF-safe header), never GET mutations', async () => {
    const q = encodeURIComponent('{ version }');
    const blocked = await fetch(`${ctx.server.url}/graphql?query=${q}`);
    expect(blocked.status).toBe(400);
    expect(await blocked.text()).toMatch(/CSRF/);
    const ok = await fetch(`${ctx.server.url}/graphql?query=${q}`, { headers: { 'apollo-require-preflight': 'true', accept: 'application/graphql-response+json' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    const mutation = await fetch(`${ctx.server.url}/graphql?query=${encodeURIComponent('mutation { revokeApiKey(id: "x") { id } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(mutation.status).toBe(405);
  });

  it('allows listed origins by CORS and no others', async () => {
    const pre = await fetch(`${ctx.server.url}/graphql`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    const res = await fetch(`${ctx.server.url}/graphql`, { method: 'POST', headers: { origin: 'https://app.example', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ version }' }) });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-expose-headers')).toContain('ratelimit-remaining');
    const other = await fetch(`${ctx.server.url}/graphql`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
