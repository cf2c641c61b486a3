import { createApiKey } from '../../src/modules/auth/api-keys';
import { gql, PUBLISH_TOKEN, serveTestDatabase } from '../support/server';

/**
 * graphql-js builds input objects written inline in a document with a null prototype, and drizzle
 * cannot write those into jsonb. Every mutation that takes an input object is called here twice,
 * once with the input inline and once as a variable: both must store the same thing.
 */

/** An enum value in a literal (written bare, not quoted). */
class Enum {
  constructor(readonly name: string) {}
}
const E = (name: string) => new Enum(name);

/** `value` as a GraphQL literal; and the same value as JSON variables would carry it. */
function literal(value: unknown): string {
  if (value instanceof Enum) return value.name;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${literal(v)}`).join(', ')} }`;
  return JSON.stringify(value);
}
const variable = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Enum ? v.name : v)));

/** The mutation `field(args)` written both ways: `(inline, variables)` of one `arg` of type `type`. */
function bothWays(field: string, arg: string, type: string, value: unknown, selection: string, otherArgs = '') {
  return {
    inline: { query: `mutation { ${field}(${otherArgs}${arg}: ${literal(value)}) ${selection} }`, variables: {} },
    variables: { query: `mutation($v: ${type}) { ${field}(${otherArgs}${arg}: $v) ${selection} }`, variables: { v: variable(value) } },
  };
}
const WAYS = ['inline', 'variables'] as const;

describe('mutation input written inline or passed as variables', () => {
  const ctx = serveTestDatabase({ webhookPolicy: { allow: ['127.0.0.1'] } });
  let admin: Record<string, string>;
  beforeAll(async () => {
    admin = { authorization: `Bearer ${(await createApiKey(ctx.db.db, { name: 'root', scopes: ['admin'] })).key}` };
  });
  const WEBHOOK = '{ id url format enabled filter { tags minImportance sections entities reportSlug from to } schedule { high medium low dailyHourUtc } }';

  it.each(WAYS)('createWebhook and updateWebhook store filter and schedule given %s', async (way) => {
    const create = bothWays('createWebhook', 'input', 'WebhookInput!', {
      url: 'http://127.0.0.1:9/hook',
      format: E('JSON'),
      filter: { minImportance: E('HIGH'), tags: ['agents'], sections: ['top-headlines'], entities: ['GPT-OSS'], reportSlug: 'r', from: '2026-01-01T00:00:00.000Z' },
      schedule: { low: E('DAILY'), dailyHourUtc: 6 },
    }, `{ webhook ${WEBHOOK} }`)[way];
    const created = await gql<{ createWebhook: { webhook: { id: string } } }>(ctx.server.url, create.query, create.variables, admin);
    expect(created.errors).toBeUndefined();
    expect(created.data!.createWebhook.webhook).toMatchObject({
      format: 'JSON',
      enabled: true,
      filter: { minImportance: 'HIGH', tags: ['agents'], sections: ['top-headlines'], entities: ['GPT-OSS'], reportSlug: 'r', from: '2026-01-01T00:00:00.000Z', to: null },
      schedule: { high: 'IMMEDIATE', medium: 'IMMEDIATE', low: 'DAILY', dailyHourUtc: 6 },
    });
    const id = created.data!.createWebhook.webhook.id;

    const update = bothWays('updateWebhook', 'input', 'WebhookUpdateInput!', {
      filter: { minImportance: E('MEDIUM'), to: '2027-01-01T00:00:00.000Z' },
      schedule: { medium: E('HOURLY') },
      enabled: false,
    }, WEBHOOK, `id: "${id}", `)[way];
    const updated = await gql<{ updateWebhook: unknown }>(ctx.server.url, update.query, update.variables, admin);
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateWebhook).toMatchObject({
      enabled: false,
      filter: { minImportance: 'MEDIUM', tags: null, to: '2027-01-01T00:00:00.000Z', from: null },
      schedule: { high: 'IMMEDIATE', medium: 'HOURLY', low: 'DAILY', dailyHourUtc: 6 },
    });
    // What was stored reads back the same from a fresh request.
    const read = await gql<{ webhook: unknown }>(ctx.server.url, `query($id: ID!) { webhook(id: $id) ${WEBHOOK} }`, { id }, admin);
    expect(read.data!.webhook).toEqual(updated.data!.updateWebhook);
  });

  it.each(WAYS)('createWebhook names a bad filter field given %s, and stores nothing', async (way) => {
    const create = bothWays('createWebhook', 'input', 'WebhookInput!', { url: 'http://127.0.0.1:9/bad', format: E('JSON'), filter: { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) } }, '{ secret }')[way];
    const res = await gql(ctx.server.url, create.query, create.variables, admin);
    expect(res.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'input.filter.tags' } });
    const list = await gql<{ webhooks: { url: string }[] }>(ctx.server.url, '{ webhooks { url } }', {}, admin);
    expect(list.data!.webhooks.map((w) => w.url)).not.toContain('http://127.0.0.1:9/bad');
  });

  it.each(WAYS)('publishReport stores a nested report given %s', async (way) => {
    const slug = `inline-${way}`;
    const publish = bothWays('publishReport', 'input', 'ReportInput!', {
      slug,
      title: 'Inline',
      date: '2026-11-22T08:00:00+08:00',
      tags: ['agents'],
      cover: { image: 'https://example.com/c.png', alt: 'cover' },
      stats: { articleCount: 3, topicCount: 2 },
      sections: [
        {
          title: '今日焦點（Top Headlines）',
          sources: [{ label: 's', url: 'https://example.com/s' }],
          items: [{ title: 'One', importance: E('HIGH'), entities: ['GPT-OSS'], sources: [{ label: 'p', url: 'arXiv:2405.17838' }], extra: [{ label: 'Why', text: 'Because.' }] }],
        },
      ],
    }, '{ slug created report { sections { key items { title importance extra { label text } sources { kind url } } } } }')[way];
    const res = await gql<{ publishReport: { slug: string; report: { sections: unknown[] } } }>(ctx.server.url, publish.query, publish.variables, { authorization: `Bearer ${PUBLISH_TOKEN}` });
    expect(res.errors).toBeUndefined();
    expect(res.data!.publishReport.report.sections).toEqual([
      {
        key: 'top-headlines',
        items: [{ title: 'One', importance: 'HIGH', extra: [{ label: 'Why', text: 'Because.' }], sources: [{ kind: 'ARXIV', url: 'https://arxiv.org/abs/2405.17838' }] }],
      },
    ]);
  });

  it.each(['2026-11-23T00:00:00+25:00', '2026-11-23T00:00:00+23:99'])('a digest date with an impossible offset (%s) is BAD_USER_INPUT naming date, in JSON and Markdown', async (date) => {
    const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
    const json = await gql(ctx.server.url, 'mutation($r: ReportInput!) { publishReport(input: $r) { slug } }', { r: { slug: 'bad-offset', title: 'T', date, sections: [] } }, auth);
    expect(json.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'input.date' } });
    const md = await gql(ctx.server.url, 'mutation($m: String!) { publishMarkdown(markdown: $m) { slug } }', { m: `---\ntitle: T\ndate: ${date}\n---\n\n## S\n` }, auth);
    expect(md.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'date', line: 3 } });
  });

  it.each(WAYS)('createApiKey stores a key given %s', async (way) => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const create = bothWays('createApiKey', 'input', 'CreateApiKeyInput!', { name: `key-${way}`, scopes: [E('READ'), E('PUBLISH')], expiresAt }, '{ key apiKey { name scopes expiresAt status } }')[way];
    const res = await gql<{ createApiKey: { apiKey: unknown } }>(ctx.server.url, create.query, create.variables, admin);
    expect(res.errors).toBeUndefined();
    expect(res.data!.createApiKey.apiKey).toEqual({ name: `key-${way}`, scopes: ['READ', 'PUBLISH'], expiresAt, status: 'LIVE' });
  });
});
