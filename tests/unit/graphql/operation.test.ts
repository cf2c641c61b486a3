import { GraphQLError, parse } from 'graphql';
import type { Db } from '../../../src/db/client';
import type { Auth, RealtimeContext } from '../../../src/graphql/context';
import { ApiError, ErrorCode } from '../../../src/graphql/errors';
import { checkOperation, OperationCore, requestErrorCode, withTokenLimit, type OperationRequest } from '../../../src/graphql/operation';
import { DEFAULT_LIMITS, operationCost } from '../../../src/graphql/limits';
import { createLogger } from '../../../src/observability/logger';
import { buildSchema } from '../../../src/graphql/schema';

const schema = buildSchema('test');
const anonymousReader: Auth = { principal: 'anonymous', keyId: null, scopes: ['read'] };
const anonymousNoRead: Auth = { principal: 'anonymous', keyId: null, scopes: [] };
const publisher: Auth = { principal: 'key:pub', keyId: 'k1', scopes: ['publish'] };
const admin: Auth = { principal: 'key:admin', keyId: 'k2', scopes: ['admin'] };

const request = (query: string, auth: Auth, variables?: Record<string, unknown>): OperationRequest => ({ document: parse(query), variables, auth, ip: '127.0.0.1' });
const check = (query: string, auth: Auth, variables?: Record<string, unknown>, maxCost = 10_000) => checkOperation(schema, request(query, auth, variables), { maxCost }, 100);
const codeOf = (r: ReturnType<typeof check>) => ('error' in r ? r.error.extensions.code : null);

describe('checkOperation: the checks before a charge, in order', () => {
  it('admits a read within the limits with its cost', () => {
    const query = '{ items(first: 10) { edges { node { id } } } }';
    expect(check(query, anonymousReader)).toEqual({ cost: operationCost(schema, parse(query), null, null, 100) });
  });

  it('needs the read scope for queries and subscriptions: UNAUTHENTICATED without a key, FORBIDDEN with a key that lacks it', () => {
    expect(codeOf(check('{ version }', anonymousNoRead))).toBe('UNAUTHENTICATED');
    expect(codeOf(check('{ version }', publisher))).toBe('FORBIDDEN');
    expect(codeOf(check('subscription { itemPublished { cursor } }', publisher))).toBe('FORBIDDEN');
    // admin includes read
    expect(codeOf(check('{ version }', admin))).toBeNull();
  });

  it('leaves mutations to their own scope checks (in their resolvers)', () => {
    const mutation = 'mutation($md: String!) { publishMarkdown(markdown: $md) { added } }';
    expect(codeOf(check(mutation, anonymousNoRead, { md: 'x' }))).toBeNull();
  });

  it('refuses text no column can hold in a read, naming the argument or variable, before the cost', () => {
    const literal = check('{ report(slug: "a\\u0000b") { id } }', anonymousReader);
    expect('error' in literal && literal.error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'slug' });
    const variable = check('query($s: String!) { report(slug: $s) { id } }', anonymousReader, { s: 'a\u0000' });
    expect('error' in variable && variable.error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: '$s' });
    // The scope comes first: an anonymous caller without read learns it needs a key.
    expect(codeOf(check('{ report(slug: "a\\u0000b") { id } }', anonymousNoRead))).toBe('UNAUTHENTICATED');
  });

  it('refuses an operation over the cost limit with its cost', () => {
    const refused = check('{ items(first: 100) { edges { node { id } } } }', anonymousReader, undefined, 50);
    expect('error' in refused && refused.error.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxCost', cost: 201, maxCost: 50 });
  });
});

describe('requestErrorCode (graphql-js request errors get the codes Apollo gives them over HTTP)', () => {
  it('codes an uncoded error outside field execution as BAD_USER_INPUT (a variable that failed coercion)', () => {
    const e = requestErrorCode(new GraphQLError('Variable "$n" got invalid value "x"; Int cannot represent non-integer value: "x"'));
    expect(e.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(e.message).toMatch(/^Variable "\$n"/);
  });

  it('leaves coded errors, resolver errors (with a path) and wrapped failures alone', () => {
    const coded = new GraphQLError('m', { extensions: { code: 'NOT_FOUND' } });
    expect(requestErrorCode(coded)).toBe(coded);
    const resolver = new GraphQLError('m', { path: ['item'] });
    expect(requestErrorCode(resolver)).toBe(resolver);
    const wrapped = new GraphQLError('m', { originalError: new Error('connection refused') });
    expect(requestErrorCode(wrapped)).toBe(wrapped);
  });
});

describe('withTokenLimit', () => {
  it("says graphql-js's token-limit parse error like the other limits and leaves other errors", () => {
    const parseError = { message: 'Syntax Error: Document contains more than 10 tokens. Parsing aborted.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } };
    expect(withTokenLimit(parseError, 10)).toEqual({ message: 'Token limit of 10 exceeded.', extensions: { code: 'GRAPHQL_PARSE_FAILED', limit: 'maxTokens' } });
    const other = { message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } };
    expect(withTokenLimit(other, 10)).toBe(other);
  });
});

describe('OperationCore: context and formatting, no IO', () => {
  // Nothing below reaches the database: the context makes loaders lazily, formatting reads nothing.
  const core = new OperationCore({
    schema,
    db: {} as Db,
    log: createLogger('silent'),
    auth: { db: {} as Db, publishToken: undefined, publicRead: true },
    rateLimits: null,
    limits: DEFAULT_LIMITS,
    maxPageSize: 50,
    webhookPolicy: { allow: [] },
    introspection: false,
    hideSuggestions: true,
  });
  const realtime = { onSlowConsumer: () => undefined, onUnavailable: () => undefined, isBackedUp: () => false } as unknown as RealtimeContext;

  it('builds the one context: the caller, the page limit, the transport\'s realtime part, loaders on first use', () => {
    const ctx = core.context({ requestId: 'r1', auth: anonymousReader, ip: '10.0.0.1' }, realtime);
    expect(ctx).toMatchObject({ requestId: 'r1', auth: anonymousReader, ip: '10.0.0.1', limits: { maxPageSize: 50 }, webhookPolicy: { allow: [] } });
    expect(ctx.realtime).toBe(realtime);
    const loaders = ctx.loaders;
    expect(ctx.loaders).toBe(loaders);
    expect(core.context({ requestId: 'r2', auth: anonymousReader, ip: null }, realtime).loaders).not.toBe(loaders);
  });

  it('admits a read with no document (a feed) by the read scope, naming it; without limits nothing is charged', async () => {
    const anonymous = await core.admitRead(anonymousNoRead, '10.0.0.1', 50, 'feed');
    expect(anonymous.admitted).toBe(false);
    expect(!anonymous.admitted && anonymous.error).toBeInstanceOf(ApiError);
    expect(!anonymous.admitted && { message: anonymous.error.message, extensions: anonymous.error.extensions }).toEqual({
      message: 'reading a feed needs an API key with the "read" scope: send Authorization: Bearer <key>',
      extensions: { code: 'UNAUTHENTICATED', scope: 'read' },
    });
    const keyed = await core.admitRead(publisher, null, 50, 'feed');
    expect(!keyed.admitted && keyed.error.extensions.code).toBe('FORBIDDEN');
    expect(await core.admitRead(admin, null, 50, 'feed')).toEqual({ admitted: true, cost: 50, rate: null });
  });

  it('formats refusals: uncoded validation errors get GRAPHQL_VALIDATION_FAILED, suggestions cut', () => {
    const [validation, coded] = core.formatRefusals([new GraphQLError('Cannot query field "itme" on type "Query". Did you mean "item"?'), new ApiError(ErrorCode.RATE_LIMITED, 'slow down', { retryAfter: 2 })], 'r3');
    expect(validation).toEqual({ message: 'Cannot query field "itme" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(coded).toEqual({ message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfter: 2 } });
  });

  it('masks an unexpected error in a result with the operation\'s request id, and codes a variable error', () => {
    const result = core.formatResult(
      { data: null, errors: [new GraphQLError('boom: SELECT secret', { path: ['item'], originalError: new Error('boom: SELECT secret') }), new GraphQLError('Variable "$n" of required type "Int!" was not provided.')] },
      'r4',
    );
    expect(result.errors!.map((e) => ({ message: e.message, extensions: e.extensions }))).toEqual([
      { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'r4' } },
      { message: 'Variable "$n" of required type "Int!" was not provided.', extensions: { code: 'BAD_USER_INPUT' } },
    ]);
    const ok = { data: { version: 'x' } };
    expect(core.formatResult(ok, 'r5')).toBe(ok);
  });
});
