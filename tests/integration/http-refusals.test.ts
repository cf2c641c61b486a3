import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { createApiKey } from '../../src/modules/auth/api-keys';
import { PUBLISH_TOKEN, gql, serveTestDatabase } from '../support/server';

const PUBLISH = 'mutation($md: String!) { publishMarkdown(markdown: $md, slug: "refusals") { added } }';
const MD = '---\ntitle: "Refusals"\ndate: 2026-01-01\n---\n\n## News\n\n### An item\n\n**核心摘要**：text.\n';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers }, body: JSON.stringify(body) });

type Body = { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };

describe('HTTP answers client mistakes with client statuses', () => {
  const ctx = serveTestDatabase({ maxPageSize: 100 });

  it('publishing without a credential is 401 UNAUTHENTICATED (with WWW-Authenticate), with a read key 403, with the token 200', async () => {
    const anonymous = await gql(ctx.server.url, PUBLISH, { md: MD });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(anonymous.data).toBeNull();
    expect(anonymous.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', scope: 'publish' });

    const { key } = await createApiKey(ctx.db.db, { name: 'reader', scopes: ['read'] });
    const reader = await gql(ctx.server.url, PUBLISH, { md: MD }, { authorization: `Bearer ${key}` });
    expect(reader.status).toBe(403);
    expect(reader.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN', scope: 'publish' });

    const publisher = await gql(ctx.server.url, PUBLISH, { md: MD }, { authorization: `Bearer ${PUBLISH_TOKEN}` });
    expect(publisher.status).toBe(200);
    expect(publisher.errors).toBeUndefined();
  });

  it('a subscription over HTTP is 400 BAD_REQUEST saying where subscriptions are served', async () => {
    const res = await post(ctx.server.url, { query: 'subscription { itemPublished { cursor } }' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Body;
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      { message: 'subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP', extensions: { code: 'BAD_REQUEST' } },
    ]);
  });

  it.each([
    ['a hash that does not match the query', { version: 1, sha256Hash: 'a'.repeat(64) }, 'provided sha does not match query'],
    ['an unsupported version', { version: 2, sha256Hash: createHash('sha256').update('{ version }').digest('hex') }, 'Unsupported persisted query version'],
  ])('a persisted query with %s is 400 BAD_REQUEST, not a masked internal error', async (_name, persistedQuery, message) => {
    const res = await post(ctx.server.url, { query: '{ version }', extensions: { persistedQuery } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Body;
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({ message, extensions: { code: 'BAD_REQUEST' } });
  });

  it('a persisted query with the right hash still runs', async () => {
    const query = '{ version }';
    const res = await post(ctx.server.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Body).data).toEqual({ version: 'test' });
  });

  it('refuses a declared Content-Length over the limit with 413 before reading the body (headers only, no body ever sent)', async () => {
    const { hostname, port } = new URL(ctx.server.url);
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024 + 1}\r\n\r\n`);
    // The server answers and closes although the body never comes.
    await ended;
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(received.toLowerCase()).toContain('connection: close');
    expect(received).toContain('request body larger than 1048576 bytes');
  });
});
