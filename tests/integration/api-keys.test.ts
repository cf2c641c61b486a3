import { sql } from 'drizzle-orm';
import { createApiKey } from '../../src/modules/auth/api-keys';
import { rawSql } from '../support/db';
import { exampleReport, store } from '../support/fixtures';
import { gql, serveTestDatabase } from '../support/server';
import { subscribe } from '../support/ws-client';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const PUBLISH = `mutation($md: String!) { publishMarkdown(markdown: $md, slug: "keys-test") { slug } }`;
const MD = `---\ntitle: Keys test\ndate: 2026-11-22\n---\n\n## 今日焦點（Top Headlines）\n\n### Keys work\n\n**核心摘要**：A key published this.\n\n**重要性**：高\n`;
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name prefix scopes status lastUsedAt } } }`;
type Created = { createApiKey: { key: string; apiKey: { id: string; name: string; prefix: string; scopes: string[]; status: string } } };

describe('API keys and scopes', () => {
  const ctx = serveTestDatabase({ seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });
  let admin: string;
  beforeAll(async () => {
    admin = (await createApiKey(ctx.db.db, { name: 'root', scopes: ['admin'] })).key;
  });

  it('goes through its life: created by an admin, used over HTTP and WebSocket, revoked, refused', async () => {
    const created = await gql<Created>(ctx.server.url, CREATE, { input: { name: 'partner-a', scopes: ['READ', 'PUBLISH'] } }, bearer(admin));
    expect(created.errors).toBeUndefined();
    const { key, apiKey } = created.data!.createApiKey;
    expect(key).toMatch(/^dq_live_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'partner-a', scopes: ['READ', 'PUBLISH'], status: 'LIVE', prefix: key.slice(0, 14) });

    // Only a hash is stored: the key appears nowhere in its row.
    const rows = await ctx.db.db.execute(sql`SELECT * FROM api_keys WHERE id = ${apiKey.id}`);
    expect(JSON.stringify(rows)).not.toContain(key.slice(14));

    const read = await gql<{ latestReport: { slug: string } }>(ctx.server.url, '{ latestReport { slug } }', {}, bearer(key));
    expect(read.data!.latestReport.slug).toBe('2026-11-20-ai-intel');
    const published = await gql(ctx.server.url, PUBLISH, { md: MD }, bearer(key));
    expect(published.errors).toBeUndefined();
    const ws = subscribe<{ latestReport: { slug: string } }>(ctx.server.url, '{ latestReport { slug } }', {}, bearer(key));
    expect((await ws.waitFor(1))[0]!.data!.latestReport.slug).toBe('keys-test');
    await ws.dispose();

    const list = await gql<{ apiKeys: { name: string; lastUsedAt: string | null }[] }>(ctx.server.url, '{ apiKeys { name lastUsedAt } }', {}, bearer(admin));
    expect(list.errors).toBeUndefined();
    expect(list.data!.apiKeys.find((k) => k.name === 'partner-a')!.lastUsedAt).not.toBeNull();

    const revoked = await gql<{ revokeApiKey: { status: string } }>(ctx.server.url, 'mutation($id: ID!) { revokeApiKey(id: $id) { status } }', { id: apiKey.id }, bearer(admin));
    expect(revoked.data!.revokeApiKey.status).toBe('REVOKED');

    const refused = await gql(ctx.server.url, '{ latestReport { slug } }', {}, bearer(key));
    expect(refused.status).toBe(401);
    expect(refused.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const wsRefused = subscribe(ctx.server.url, '{ latestReport { slug } }', {}, bearer(key));
    expect((await wsRefused.closed).code).toBe(4403);
    await wsRefused.dispose();
  });

  it('refuses what a key has no scope for with FORBIDDEN, and unknown or expired keys with 401', async () => {
    const reader = (await createApiKey(ctx.db.db, { name: 'reader', scopes: ['read'] })).key;
    const denied = await gql(ctx.server.url, PUBLISH, { md: MD }, bearer(reader));
    expect(denied.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN', scope: 'publish' } });
    const notAdmin = await gql(ctx.server.url, '{ apiKeys { id } }', {}, bearer(reader));
    expect(notAdmin.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN', scope: 'admin' } });
    const anonAdmin = await gql(ctx.server.url, CREATE, { input: { name: 'x', scopes: ['READ'] } });
    expect(anonAdmin.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');

    const publisherOnly = (await createApiKey(ctx.db.db, { name: 'publisher', scopes: ['publish'] })).key;
    const noRead = await gql(ctx.server.url, '{ latestReport { slug } }', {}, bearer(publisherOnly));
    expect(noRead.status).toBe(403);
    expect(noRead.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN', scope: 'read' } });

    const unknown = await gql(ctx.server.url, '{ latestReport { slug } }', {}, bearer('dq_live_' + 'A'.repeat(43)));
    expect(unknown.status).toBe(401);
    const soon = await createApiKey(ctx.db.db, { name: 'short-lived', scopes: ['read'], expiresAt: new Date(Date.now() + 60_000) });
    expect((await gql(ctx.server.url, '{ latestReport { slug } }', {}, bearer(soon.key))).status).toBe(200);
    await rawSql(ctx.db, `UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = '${soon.record.id}'`);
    expect((await gql(ctx.server.url, '{ latestReport { slug } }', {}, bearer(soon.key))).status).toBe(401);
  });

  it('checks new keys: names unique among live keys, known scopes, a future expiry', async () => {
    const create = (input: Record<string, unknown>) => gql<Created>(ctx.server.url, CREATE, { input }, bearer(admin));
    expect((await create({ name: 'dup', scopes: ['READ'] })).errors).toBeUndefined();
    expect((await create({ name: 'dup', scopes: ['READ'] })).errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'name' } });
    expect((await create({ name: 'none', scopes: [] })).errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'scopes' } });
    expect((await create({ name: 'past', scopes: ['READ'], expiresAt: '2020-01-01T00:00:00Z' })).errors![0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'expiresAt' },
    });
  });
});

describe('PUBLIC_READ off', () => {
  const ctx = serveTestDatabase({ publicRead: false });

  it('refuses anonymous reads on both transports and serves keys with read', async () => {
    const anon = await gql(ctx.server.url, '{ latestReport { slug } }');
    expect(anon.status).toBe(401);
    expect(anon.errors![0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED', scope: 'read' } });
    const ws = subscribe(ctx.server.url, 'subscription { itemPublished { cursor } }');
    const { error } = await ws.done;
    expect(JSON.stringify(error)).toContain('UNAUTHENTICATED');
    await ws.dispose();
    const key = (await createApiKey(ctx.db.db, { name: 'frontend', scopes: ['read'] })).key;
    const ok = await gql(ctx.server.url, '{ latestReport { slug } }', {}, bearer(key));
    expect(ok.status).toBe(200);
    expect(ok.errors).toBeUndefined();
  });
});
