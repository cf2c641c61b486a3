import { PUBLISH_TOKEN, serveTestDatabase, gql } from '../support/server';
import { subscribe } from '../support/ws-client';
import { exampleReport, gridDigest, store } from '../support/fixtures';

/**
 * The same documents over HTTP and over WebSocket: each over-limit one is refused on both, with
 * the same code and the limit it broke; the control row passes on both.
 */
const deep = '{ items { edges { node { report { sections { items { section { report { sections { title } } } } } } } } } }';
const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: latestReport { id }`).join(' ')} }`;
const costly = '{ items(first: 100) { edges { node { entities { items(first: 100) { edges { node { id } } } } } } } }';
// The bypass: a variable's default was read as "no value" (a page of 20), so this cost 4,441.
const byDefault = 'query($n: Int = 100) { items(first: $n) { edges { node { entities { items(first: 10) { edges { node { id } } } } } } } }';
const byLiteral = byDefault.replace('query($n: Int = 100) ', '').replace('first: $n', 'first: 100');
const tokens = `{ latestReport { ${'id '.repeat(1000)}} }`;
const directives = `{ latestReport { ${Array.from({ length: 11 }, (_, i) => `f${i}: id @include(if: true)`).join(' ')} } }`;

const cases: { name: string; query: string; code: string; limit: string | null; message: RegExp }[] = [
  { name: 'depth 10 (limit 8)', query: deep, code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxDepth', message: /depth limit of 8 exceeded, found 10/i },
  { name: '16 aliases (limit 15)', query: aliases, code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxAliases', message: /aliases limit of 15 exceeded, found 16/i },
  { name: 'cost 606,201 (limit 10,000)', query: costly, code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxCost', message: /cost limit of 10000 exceeded, found 606201/i },
  { name: 'cost 66,201 with first: 100 as a literal', query: byLiteral, code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxCost', message: /cost limit of 10000 exceeded, found 66201/i },
  { name: 'cost 66,201 with first: 100 as a variable\'s default', query: byDefault, code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxCost', message: /cost limit of 10000 exceeded, found 66201/i },
  { name: '1,000+ tokens (limit 1,000)', query: tokens, code: 'GRAPHQL_PARSE_FAILED', limit: 'maxTokens', message: /token limit of 1000 exceeded/i },
  { name: '11 directives (limit 10)', query: directives, code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxDirectives', message: /directives limit of 10 exceeded, found 11/i },
  { name: 'a syntax error', query: '{ latestReport { id }', code: 'GRAPHQL_PARSE_FAILED', limit: null, message: /Syntax Error: Expected Name, found <EOF>/ },
];

type Err = { message: string; extensions?: Record<string, unknown> };

describe('query limits, the same on both transports', () => {
  const ctx = serveTestDatabase({ seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });

  it.each(cases)('HTTP refuses $name with 400', async ({ query, code, limit, message }) => {
    const res = await gql(ctx.server.url, query);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    const [err] = res.errors!;
    expect(err!.message).toMatch(message);
    expect(err!.extensions).toMatchObject({ code, ...(limit ? { limit } : {}) });
  });

  it.each(cases)('WebSocket refuses $name with an error message', async ({ query, code, limit, message }) => {
    const sub = subscribe(ctx.server.url, query);
    const { error } = await sub.done;
    const [err] = error as Err[];
    expect(err!.message).toMatch(message);
    expect(err!.extensions).toMatchObject({ code, ...(limit ? { limit } : {}) });
    await sub.dispose();
  });

  it.each([
    ['a report page', `{ latestReport { slug sections { key items { id title entities { name } sources { url } } } } }`],
    ['a full page of items with entities and sources', `{ items(first: 100) { edges { node { id title entities { name } sources { url } } } } latestReport { slug } }`],
  ])('lets %s through on both', async (_name, query) => {
    const res = await gql<{ latestReport: { slug: string } }>(ctx.server.url, query);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const sub = subscribe<{ latestReport: { slug: string } }>(ctx.server.url, query);
    const [got] = await sub.waitFor(1);
    expect(got!.data!.latestReport.slug).toBe(res.data!.latestReport.slug);
    await sub.dispose();
  });
});

describe('field suggestions', () => {
  const typo = '{ latestReprt { id } }';
  const over = async (url: string) => {
    const http = (await gql(url, typo)).errors![0]!.message;
    const sub = subscribe(url, typo);
    const ws = ((await sub.done).error as Err[])[0]!.message;
    await sub.dispose();
    return [http, ws];
  };

  describe('in development', () => {
    const ctx = serveTestDatabase();
    it('name the field the client may have meant', async () => {
      for (const m of await over(ctx.server.url)) expect(m).toMatch(/Cannot query field "latestReprt" on type "Query"\. Did you mean "latestReport"\?/);
    });
  });

  const byVariable = 'query($f: ItemFilter) { items(first: 1, filter: $f) { totalCount } }';
  const badVariables: [string, Record<string, unknown>, RegExp][] = [
    ['a misspelt input field', { f: { minImportanc: 'HIGH' } }, /Field "minImportanc" is not defined by type "ItemFilter"\./],
    ['a misspelt enum value', { f: { minImportance: 'HIGHH' } }, /Value "HIGHH" does not exist in "Importance" enum\./],
  ];

  describe('in development', () => {
    const ctx = serveTestDatabase();
    it.each(badVariables)('name what the client may have meant in variables: %s', async (_name, variables, message) => {
      const { http, ws } = await errorsOnBoth(ctx.server.url, byVariable, variables);
      for (const errors of [http, ws]) {
        expect(errors[0]!.message).toMatch(message);
        expect(errors[0]!.message).toMatch(/Did you mean/);
      }
    });
  });

  describe('in production', () => {
    const ctx = serveTestDatabase({ hideSuggestions: true, introspection: false });
    it('are cut on both transports', async () => {
      for (const m of await over(ctx.server.url)) {
        expect(m).toMatch(/Cannot query field "latestReprt" on type "Query"\./);
        expect(m).not.toMatch(/Did you mean/);
      }
    });

    it.each(badVariables)('are cut from variable errors on both transports: %s', async (_name, variables, message) => {
      const { http, ws, status } = await errorsOnBoth(ctx.server.url, byVariable, variables);
      expect(status).toBe(400);
      for (const errors of [http, ws]) {
        expect(errors).toHaveLength(1);
        expect(errors[0]!.message).toMatch(message);
        expect(errors[0]!.message).not.toMatch(/Did you mean|minImportance"\?|"HIGH"\?/);
        expect(errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      }
    });
  });
});

/** A query's errors over HTTP and over WebSocket (a `next` with errors, or an `error` message). */
async function errorsOnBoth(url: string, query: string, variables: Record<string, unknown> = {}): Promise<{ http: Err[]; ws: Err[]; status: number }> {
  const res = await gql(url, query, variables);
  const sub = subscribe(url, query, variables);
  const done = await Promise.race([sub.done, sub.waitFor(1).then(() => ({ error: sub.results[0]!.errors }))]);
  await sub.dispose();
  return { http: res.errors ?? [], ws: (done.error as Err[] | undefined) ?? [], status: res.status };
}

describe('introspection', () => {
  const introspect = '{ __schema { types { name } } }';
  const typeQuery = '{ __type(name: "Item") { fields { name } } }';

  describe('when off (production)', () => {
    const ctx = serveTestDatabase({ hideSuggestions: true, introspection: false });
    it.each([['__schema', introspect], ['__type', typeQuery]])('refuses %s on HTTP and on WebSocket alike', async (field, query) => {
      const { http, ws, status } = await errorsOnBoth(ctx.server.url, query);
      expect(status).toBe(400);
      for (const errors of [http, ws]) {
        expect(errors.map((e) => e.message)).toEqual(http.map((e) => e.message));
        expect(errors[0]!.message).toMatch(new RegExp(`introspection has been disabled.*"${field}"`));
        expect(errors[0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
      }
    });

    it('still answers __typename', async () => {
      const res = await gql<{ __typename: string }>(ctx.server.url, '{ __typename }');
      expect(res.data).toEqual({ __typename: 'Query' });
    });
  });

  describe('when on', () => {
    const ctx = serveTestDatabase();
    it('answers on both transports', async () => {
      const res = await gql<{ __schema: { types: unknown[] } }>(ctx.server.url, introspect);
      expect(res.data!.__schema.types.length).toBeGreaterThan(10);
      const sub = subscribe<{ __schema: { types: unknown[] } }>(ctx.server.url, introspect);
      const [got] = await sub.waitFor(1);
      expect(got!.data!.__schema.types).toHaveLength(res.data!.__schema.types.length);
      await sub.dispose();
    });
  });
});

describe('response size limit', () => {
  const ctx = serveTestDatabase({ limits: { maxResponseBytes: 8192 }, seed: (db) => store(db, exampleReport('2026-11-20-ai-intel')) });
  // Five copies of every item's texts: cheap by cost (objects), large by bytes.
  const large = `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: latestReport { items { title summary details applications } }`).join(' ')} }`;

  it('refuses a larger result on both transports with RESPONSE_TOO_LARGE, sending none of it', async () => {
    const res = await fetch(`${ctx.server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: large }) });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text.length).toBeLessThan(1000);
    const body = JSON.parse(text) as { data?: unknown; errors: Err[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.message).toMatch(/^Response size limit of 8192 bytes exceeded \(the result was \d+ bytes\)/);
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'RESPONSE_TOO_LARGE', limit: 'maxResponseBytes', maxResponseBytes: 8192 });
    expect(body.errors[0]!.extensions!.size as number).toBeGreaterThan(8192);

    const sub = subscribe(ctx.server.url, large);
    const [got] = await sub.waitFor(1);
    expect(got!.data).toBeUndefined();
    expect(got!.errors![0]!.extensions).toMatchObject({ code: 'RESPONSE_TOO_LARGE', limit: 'maxResponseBytes' });
    await sub.dispose();
  });

  it('lets a result within the limit through', async () => {
    const query = '{ latestReport { items { title } } }';
    const res = await gql<{ latestReport: { items: unknown[] } }>(ctx.server.url, query);
    expect(res.errors).toBeUndefined();
    expect(res.data!.latestReport.items.length).toBeGreaterThan(0);
    const sub = subscribe<{ latestReport: { items: unknown[] } }>(ctx.server.url, query);
    const [got] = await sub.waitFor(1);
    expect(got!.data!.latestReport.items).toHaveLength(res.data!.latestReport.items.length);
    await sub.dispose();
  });
});

describe('digest caps at publishing', () => {
  const ctx = serveTestDatabase();
  const publish = (md: string) =>
    gql(ctx.server.url, 'mutation($md: String!) { publishMarkdown(markdown: $md, slug: "big") { added } }', { md }, { authorization: `Bearer ${PUBLISH_TOKEN}` });

  it('refuses a report over the items cap with BAD_USER_INPUT naming the limit and the line, storing nothing', async () => {
    const md = gridDigest(3, 40);
    const res = await publish(md);
    const err = res.errors![0]!;
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'markdown', field: 'sections.2.items.20', line: md.split('\n').indexOf('### Item 3.21') + 1 });
    expect(err.message).toMatch(/too many items: a report may hold at most 100 \(limit itemsPerReport\)$/);
    expect((await gql<{ report: unknown }>(ctx.server.url, '{ report(slug: "big") { id } }')).data!.report).toBeNull();
  });

  it('stores a report at the cap, and a page of it costs no more than its estimate says', async () => {
    const res = await publish(gridDigest(2, 50));
    expect(res.errors).toBeUndefined();
    const page = await gql<{ report: { sections: { items: unknown[] }[]; items: unknown[] } }>(ctx.server.url, '{ report(slug: "big") { sections { items { id } } items { id } } }');
    expect(page.errors).toBeUndefined();
    expect(page.data!.report.items).toHaveLength(100);
    expect(page.data!.report.sections.flatMap((s) => s.items)).toHaveLength(100);
  });
});
