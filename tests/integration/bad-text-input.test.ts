import { gql, PUBLISH_TOKEN, serveTestDatabase } from '../support/server';
import { createApiKey } from '../../src/modules/auth/api-keys';
import { subscribe } from '../support/ws-client';

/**
 * Issue 16.5: text no database can store (NUL, a lone surrogate) and a YAML "billion laughs" front
 * matter are the publisher's mistake: BAD_USER_INPUT naming line and field, never a 500, nothing stored.
 */
const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
const PUBLISH_MD = `mutation($md: String!, $slug: String) { publishMarkdown(markdown: $md, slug: $slug) { slug } }`;
const PUBLISH_REPORT = `mutation($input: ReportInput!) { publishReport(input: $input) { slug } }`;

const digest = (title: string, body = 'Plain text.'): string =>
  `---\ntitle: ${title}\ndate: 2026-05-01\n---\n\n## News\n\n### An item\n\n${body}\n`;

/** Nine levels of aliases, each nine times the one before: 9^9 strings if expanded. */
function billionLaughs(): string {
  const keys = 'abcdefghi';
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < keys.length; i++) lines.push(`${keys[i]}: &${keys[i]} [${Array(9).fill(`*${keys[i - 1]}`).join(',')}]`);
  return `---\ntitle: Laughs\ndate: 2026-05-01\n${lines.join('\n')}\n---\n\n## News\n\n### An item\n\nText.\n`;
}

describe('text that cannot be stored is refused as bad input (over HTTP)', () => {
  const ctx = serveTestDatabase();

  const expectNothingStored = async (): Promise<void> => {
    const res = await gql<{ reports: { totalCount: number } }>(ctx.server.url, '{ reports(first: 1) { totalCount } }');
    expect(res.data?.reports.totalCount).toBe(0);
  };

  it.each([
    ['a NUL in the title', digest('a\u0000b'), 2, 'title', /NUL character/],
    ['a NUL in the Markdown body', digest('Fine', 'First line.\nsecond \u0000 line'), 11, 'sections.0.items.0.body', /NUL character/],
    ['a lone surrogate in the title', digest('a\ud800b'), 2, 'title', /lone surrogate \(U\+D800\)/],
    ['a lone surrogate in the Markdown body', digest('Fine', 'x\udc00y'), 10, 'sections.0.items.0.body', /lone surrogate \(U\+DC00\)/],
    ['YAML aliases nested 9 deep', billionLaughs(), 7, 'd', /aliases expand too far/],
  ])('publishMarkdown with %s', async (_what, md, line, field, reason) => {
    const res = await gql(ctx.server.url, PUBLISH_MD, { md, slug: 'bad-text' }, auth);
    expect(res.status).not.toBe(500);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'markdown', line, field });
    expect(res.errors![0]!.message).toMatch(reason);
    expect(res.errors![0]!.message).toContain(`line ${line}: ${field}:`);
    await expectNothingStored();
  });

  const report = (title: string, body: string) => ({
    slug: 'bad-json',
    title,
    date: '2026-05-01',
    sections: [{ title: 'News', items: [{ title: 'An item', body }] }],
  });

  it.each([
    ['a NUL in the title', report('a\u0000b', 'ok'), 'title'],
    ['a lone surrogate in an item body', report('ok', 'x\ud800'), 'sections.0.items.0.body'],
  ])('publishReport with %s', async (_what, input, field) => {
    const res = await gql(ctx.server.url, PUBLISH_REPORT, { input }, auth);
    expect(res.status).not.toBe(500);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: `input.${field}`, field });
    await expectNothingStored();
  });
});

describe('read arguments holding text that cannot be stored are bad input, on both transports', () => {
  const ctx = serveTestDatabase();
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['a NUL in a literal slug', '{ report(slug: "a\\u0000b") { title } }', {}, 'slug'],
    ['a NUL in a literal filter list', '{ items(filter: { tags: ["ok", "a\\u0000b"] }) { totalCount } }', {}, 'filter.tags[1]'],
    ['a NUL in a variable', 'query($name: String!) { entity(name: $name) { name } }', { name: 'a\u0000b' }, '$name'],
    ['a lone surrogate inside a variable object', 'query($f: ItemFilter) { items(filter: $f) { totalCount } }', { f: { entities: ['\ud800'] } }, '$f.entities[0]'],
  ];

  it.each(cases)('%s: HTTP 400 BAD_USER_INPUT naming it', async (_, query, variables, argument) => {
    const res = await gql(ctx.server.url, query, variables);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect(res.errors?.[0]?.message).toMatch(/NUL|surrogate/);
  });

  it.each(cases)('%s: the same error over WebSocket', async (_, query, variables, argument) => {
    const sub = subscribe(ctx.server.url, query, variables);
    await sub.done;
    expect(sub.results).toHaveLength(0);
    const { error } = await sub.done;
    expect(JSON.stringify(error)).toContain('BAD_USER_INPUT');
    expect(JSON.stringify(error)).toContain(JSON.stringify(argument).slice(1, -1));
    await sub.dispose();
  });
});

describe('mutation input holding text that cannot be stored is bad input', () => {
  const ctx = serveTestDatabase({ webhookPolicy: { allow: ['127.0.0.1'] } });

  it('names the field in input objects, and never answers 500 for a plain argument', async () => {
    const admin = { authorization: `Bearer ${(await createApiKey(ctx.db.db, { name: 'admin', scopes: ['admin'] })).key}` };
    const key = await gql(ctx.server.url, 'mutation($n: String!) { createApiKey(input: { name: $n, scopes: [READ] }) { key } }', { n: 'a\u0000b' }, admin);
    expect(key.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.name' });
    const hook = await gql(ctx.server.url, 'mutation { createWebhook(input: { url: "http://127.0.0.1:9/x", format: JSON, filter: { tags: ["ok", "a\\u0000"] } }) { secret } }', {}, admin);
    expect(hook.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.filter.tags.1' });
    // A plain string argument of a mutation reaches SQL as it is: Postgres refuses it, and that is still the caller's error.
    const revoke = await gql(ctx.server.url, 'mutation($k: ID!) { revokeApiKey(id: $k) { name } }', { k: 'a\u0000b' }, admin);
    expect(revoke.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(revoke.errors?.[0]?.message).toMatch(/NUL/);
    const keys = await gql<{ apiKeys: unknown[] }>(ctx.server.url, '{ apiKeys { name } }', {}, admin);
    expect(keys.data?.apiKeys).toHaveLength(1);
  });
});
