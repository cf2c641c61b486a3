import { GraphQLError, parse } from 'graphql';
import { DocumentCache, costError, hideSuggestions, limitError, responseTooLargeError, tokenLimitMessage, type QueryLimits } from '../../../src/graphql/limits';
import { buildSchema } from '../../../src/graphql/schema';

const schema = buildSchema('test');
const LIMITS: QueryLimits = { maxDepth: 4, maxAliases: 2, maxDirectives: 2, maxTokens: 60, maxCost: 100, maxResponseBytes: 1000 };
const documents = (options: { introspection?: boolean; maxEntries?: number } = {}) => new DocumentCache(schema, LIMITS, { introspection: options.introspection ?? true, maxEntries: options.maxEntries });
const errorsOf = (cache: DocumentCache, query: string) => {
  const prepared = cache.prepare(query);
  return 'errors' in prepared ? prepared.errors.map((e) => ({ message: e.message, extensions: e.extensions })) : [];
};

describe('limit errors', () => {
  it('name the limit, with the code of the phase it belongs to (tokens: parse; the rest: validation)', () => {
    expect(limitError('maxTokens', 'm').extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED', limit: 'maxTokens' });
    expect(limitError('maxDepth', 'm', { found: 9 }).extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxDepth', found: 9 });
    const cost = costError(120, 100);
    expect(cost).toBeInstanceOf(GraphQLError);
    expect(cost.message).toBe('Query cost limit of 100 exceeded, found 120.');
    expect(cost.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxCost', cost: 120, maxCost: 100 });
  });

  it('say a response over the size limit with its size, not its content', () => {
    const e = responseTooLargeError(2048, 1000);
    expect(e.message).toMatch(/^Response size limit of 1000 bytes exceeded \(the result was 2048 bytes\)/);
    expect(e.extensions).toEqual({ code: 'RESPONSE_TOO_LARGE', limit: 'maxResponseBytes', maxResponseBytes: 1000, size: 2048 });
  });

  it("reword graphql-js's token-limit parse error and nothing else", () => {
    expect(tokenLimitMessage('Syntax Error: Document contains more that 60 tokens. Parsing aborted.', 60)).toBe('Token limit of 60 exceeded.');
    expect(tokenLimitMessage('Syntax Error: Document contains more than 60 tokens. Parsing aborted.', 60)).toBe('Token limit of 60 exceeded.');
    expect(tokenLimitMessage('Syntax Error: Expected Name, found <EOF>.', 60)).toBeNull();
  });

  it('cut "Did you mean …?" suggestions, and only them', () => {
    expect(hideSuggestions('Cannot query field "itme" on type "Query". Did you mean "item" or "items"?')).toBe('Cannot query field "itme" on type "Query".');
    expect(hideSuggestions('Cannot query field "zzz" on type "Query".')).toBe('Cannot query field "zzz" on type "Query".');
  });
});

describe('DocumentCache (parse and validate with the limits, as graphql-ws does)', () => {
  it('prepares a valid document', () => {
    const prepared = documents().prepare('{ version }');
    expect('document' in prepared && prepared.document.definitions).toHaveLength(1);
  });

  it('refuses each limit with its name and code', () => {
    const cache = documents();
    expect(errorsOf(cache, '{ a: version b: version c: version }')).toEqual([
      { message: expect.stringMatching(/aliases limit of 2 exceeded, found 3/i), extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxAliases' }) },
    ]);
    const deep = '{ items { edges { node { section { report { slug } } } } } }';
    expect(errorsOf(cache, deep)).toEqual([
      { message: expect.stringMatching(/depth limit of 4 exceeded/i), extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'maxDepth' }) },
    ]);
    const directives = '{ version @skip(if: false) @include(if: true) @skip(if: false) }';
    expect(errorsOf(cache, directives)[0]!.extensions).toEqual(expect.objectContaining({ limit: 'maxDirectives' }));
    const tokens = `{ ${Array.from({ length: 80 }, () => 'version').join(' ')} }`;
    expect(errorsOf(cache, tokens)).toEqual([{ message: 'Token limit of 60 exceeded.', extensions: { code: 'GRAPHQL_PARSE_FAILED', limit: 'maxTokens' } }]);
  });

  it("codes graphql-js's own parse and validation errors", () => {
    const cache = documents();
    expect(errorsOf(cache, '{ version')).toEqual([{ message: expect.stringMatching(/^Syntax Error/), extensions: { code: 'GRAPHQL_PARSE_FAILED' } }]);
    expect(errorsOf(cache, '{ nope }')).toEqual([{ message: expect.stringMatching(/Cannot query field "nope"/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
  });

  it('refuses introspection when it is off, allows it when on', () => {
    expect(errorsOf(documents({ introspection: false }), '{ __schema { queryType { name } } }')[0]!.message).toMatch(/introspection has been disabled/);
    expect(errorsOf(documents({ introspection: true }), '{ __schema { queryType { name } } }')).toEqual([]);
  });

  it('parses each distinct text once and forgets the least recently used beyond its size', () => {
    const cache = documents({ maxEntries: 2 });
    const a = cache.prepare('{ version }');
    expect(cache.prepare('{ version }')).toBe(a);
    cache.prepare('{ b: version }');
    expect(cache.prepare('{ version }')).toBe(a); // used again: now the most recent
    cache.prepare('{ c: version }'); // evicts "{ b: version }"
    expect(cache.prepare('{ version }')).toBe(a);
    const b = cache.prepare('{ b: version }');
    expect(cache.prepare('{ b: version }')).toBe(b);
    expect('document' in b && parse('{ b: version }').definitions.length).toBe(1);
  });
});
