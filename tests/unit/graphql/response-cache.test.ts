import { getOperationAST, parse } from 'graphql';
import { buildSchema } from '../../../src/graphql/schema';
import type { EventRecord } from '../../../src/modules/events/events.repository';
import {
  ByteLru,
  CONTENT_ROOTS,
  LISTS,
  NEVER_CACHED,
  ResponseCache,
  STATIC_ROOTS,
  cacheKey,
  cachePolicy,
  canonicalJson,
  coercedVariables,
  etagOf,
  itemTag,
  reportTag,
} from '../../../src/graphql/response-cache';
import { FULL_REPORT_PAGE } from '../../support/queries';

const schema = buildSchema('test');

function policy(query: string, variables: Record<string, unknown> = {}) {
  const doc = parse(query);
  const op = getOperationAST(doc)!;
  const coerced = coercedVariables(schema, op, variables);
  if (!coerced) throw new Error('variables do not coerce');
  const p = cachePolicy(schema, doc, op, coerced);
  return p && [...p.tags].sort();
}

const event = (type: EventRecord['type'], reportSlug: string, itemId: string | null = null): EventRecord => ({
  seq: 1,
  tx: '1',
  type,
  reportId: 'r1',
  itemId,
  facts: { reportSlug, publishedAt: new Date(0).toISOString(), title: 't' },
  createdAt: new Date(0),
});

describe('ByteLru', () => {
  it('evicts the least recently used entries until the bytes fit, and refuses a value over the bound', () => {
    const evicted: string[] = [];
    const lru = new ByteLru<string, number>(10, (k) => evicted.push(k));
    lru.set('a', 1, 4);
    lru.set('b', 2, 4);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3, 4);
    expect(evicted).toEqual(['b']);
    expect(lru.bytes).toBe(8);
    expect(lru.set('huge', 4, 11)).toBe(false);
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    lru.set('a', 5, 2); // replacing is not an eviction
    expect(evicted).toEqual(['b']);
    expect(lru.bytes).toBe(6);
  });
});

describe('cache key', () => {
  it('is the same for the same operation written differently, and differs by variables and scopes, never by caller', () => {
    const a = parse('query Page($slug: String!) { report(slug: $slug) { title } }');
    const b = parse('query Page($slug: String!) {\n  report(slug: $slug) {\n    title\n  }\n}');
    const key = (doc: ReturnType<typeof parse>, vars: Record<string, unknown>, scopes: string[]) =>
      cacheKey(doc, 'Page', coercedVariables(schema, getOperationAST(doc)!, vars)!, scopes);
    expect(key(a, { slug: 'x' }, ['read'])).toBe(key(b, { slug: 'x' }, ['read']));
    expect(key(a, { slug: 'x' }, ['read', 'publish'])).toBe(key(a, { slug: 'x' }, ['publish', 'read']));
    expect(key(a, { slug: 'x' }, ['read'])).not.toBe(key(a, { slug: 'y' }, ['read']));
    expect(key(a, { slug: 'x' }, ['read'])).not.toBe(key(a, { slug: 'x' }, []));
  });

  it('applies variable defaults and coercion first', () => {
    const doc = parse('query($first: Int = 20) { items(first: $first) { totalCount } }');
    const op = getOperationAST(doc)!;
    expect(cacheKey(doc, null, coercedVariables(schema, op, {})!, ['read'])).toBe(cacheKey(doc, null, coercedVariables(schema, op, { first: 20 })!, ['read']));
    expect(coercedVariables(schema, op, { first: 'many' })).toBeNull();
  });
});

describe('cache policy', () => {
  it('sorts every root query field: cached content, static, or never cached', () => {
    const unsorted = Object.keys(schema.getQueryType()!.getFields()).filter((f) => !CONTENT_ROOTS.has(f) && !STATIC_ROOTS.has(f) && !NEVER_CACHED.has(f));
    expect(unsorted).toEqual([]);
  });

  it('never caches admin data, clock-dependent answers, mutations or subscriptions', () => {
    expect(policy('{ apiKeys { id } }')).toBeNull();
    expect(policy('{ webhooks { id deliveries { id } } }')).toBeNull();
    expect(policy('{ report(slug: "a") { title } apiKeys { id } }')).toBeNull();
    expect(policy('fragment K on Query { apiKeys { id } } { ...K }')).toBeNull();
    expect(policy('{ trendingEntities { mentions } }')).toBeNull();
    expect(policy('mutation { revokeApiKey(id: "x") { id } }')).toBeNull();
    expect(policy('subscription { reportPublished { cursor } }')).toBeNull();
  });

  it('tags report(slug) and item(id) by what they name while they stay inside it', () => {
    expect(policy('query($s: String!) { report(slug: $s) { title sections { title items { title entities { name } report { slug } } } } }', { s: 'day-1' })).toEqual([reportTag('day-1')]);
    expect(policy('{ item(id: "i1") { title sources { url } entities { key } } }')).toEqual([itemTag('i1')]);
    expect(policy('{ version __typename }')).toEqual([]);
  });

  it('tags `lists` whatever reaches across reports', () => {
    expect(policy(FULL_REPORT_PAGE, { slug: 'day-1' })).toEqual([LISTS, reportTag('day-1')]);
    expect(policy('{ item(id: "i1") { report { title } } }')).toEqual([itemTag('i1'), LISTS]);
    // Set by the report around the item: a re-publish that inserts an item before it moves it, unannounced.
    expect(policy('{ item(id: "i1") { position } }')).toEqual([itemTag('i1'), LISTS]);
    expect(policy('{ item(id: "i1") { publishedAt } }')).toEqual([itemTag('i1'), LISTS]);
    expect(policy('{ item(id: "i1") { ...on Item { related { __typename } } } }')).toEqual([itemTag('i1'), LISTS]);
    expect(policy('{ items { totalCount } }')).toEqual([LISTS]);
    expect(policy('{ reports { totalCount } latestReport { title } }')).toEqual([LISTS]);
    expect(policy('{ search(query: "x") { totalCount } }')).toEqual([LISTS]);
    expect(policy('{ entity(name: "x") { mentionCount } }')).toEqual([LISTS]);
  });
});

describe('ResponseCache', () => {
  const tags = (...t: string[]) => new Set(t);

  it('keys a DateTime variable by its value (a coerced Date has no own keys)', () => {
    const a = cacheKey(parse('query($t: DateTime) { items(filter: { to: $t }) { totalCount } }'), null, { t: new Date('2026-10-10T06:00:00Z') }, ['read']);
    const b = cacheKey(parse('query($t: DateTime) { items(filter: { to: $t }) { totalCount } }'), null, { t: new Date('2026-10-03T06:00:00Z') }, ['read']);
    expect(a).not.toBe(b);
    expect(canonicalJson({ t: new Date('2026-10-10T06:00:00Z') })).toBe('{"t":"2026-10-10T06:00:00.000Z"}');
  });

  it('holds each body in memory of its own, and counts what an entry costs beyond its body', () => {
    const cache = new ResponseCache(1 << 20);
    const body = '{"data":{"report":{"title":"short"}}}\n';
    const entry = cache.set('k', cache.begin(), body, tags(LISTS, 'report:a'))!;
    // Not a slice of Node's shared 8 KiB pool, which a short Buffer.from would keep alive whole.
    expect(entry.body.buffer.byteLength).toBe(entry.body.length);
    expect(entry.body.toString()).toBe(body);
    expect(cache.stats().bytes).toBeGreaterThan(body.length + 'k'.length + entry.etag.length);
  });

  it('returns the stored bytes with a strong ETag of them', () => {
    const cache = new ResponseCache(1024);
    const stored = cache.set('k', cache.begin(), '{"data":{}}\n', tags(LISTS));
    expect(stored?.etag).toBe(etagOf('{"data":{}}\n'));
    expect(stored?.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(cache.get('k')?.body.toString()).toBe('{"data":{}}\n');
    expect(cache.get('other')).toBeUndefined();
    cache.noteMiss();
    // A lookup that finds nothing is not yet a miss: only a read executed for want of an entry is.
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });

  it('invalidates by each kind of event exactly what it touched', () => {
    const cache = new ResponseCache(1 << 20);
    const fill = () => {
      cache.clear();
      cache.set('list', cache.begin(), 'l', tags(LISTS));
      cache.set('day1', cache.begin(), 'a', tags(reportTag('day-1')));
      cache.set('day2', cache.begin(), 'b', tags(reportTag('day-2')));
      cache.set('item1', cache.begin(), 'c', tags(itemTag('i1')));
      cache.set('static', cache.begin(), 'v', tags());
    };
    const left = () => ['list', 'day1', 'day2', 'item1', 'static'].filter((k) => cache.get(k));
    for (const type of ['ITEM_PUBLISHED', 'ITEM_UPDATED', 'ITEM_REMOVED'] as const) {
      fill();
      expect(cache.invalidate([event(type, 'day-1', 'i1')])).toBe(3);
      expect(left()).toEqual(['day2', 'static']);
      fill();
      cache.invalidate([event(type, 'day-2', 'i9')]);
      expect(left()).toEqual(['day1', 'item1', 'static']);
    }
    fill();
    cache.invalidate([event('REPORT_PUBLISHED', 'day-2')]);
    expect(left()).toEqual(['day1', 'item1', 'static']);
    expect(cache.stats().invalidations).toBe(3 + 2 + 3 + 2 + 3 + 2 + 2);
  });

  it('does not store a response computed while an invalidation happened', () => {
    const cache = new ResponseCache(1024);
    const since = cache.begin();
    cache.invalidate([event('REPORT_PUBLISHED', 'day-1')]);
    expect(cache.set('k', since, 'old', tags(reportTag('day-1')))).toBeNull();
    expect(cache.get('k')).toBeUndefined();
    expect(cache.set('k', cache.begin(), 'new', tags(reportTag('day-1')))).not.toBeNull();
  });

  it('stays within its bytes, counting evictions and dropping their tags', () => {
    const one = new ResponseCache(1 << 20);
    one.set('k0', one.begin(), 'x'.repeat(30), tags(LISTS));
    const entryBytes = one.stats().bytes;
    const bound = Math.floor(entryBytes * 3.5);
    const cache = new ResponseCache(bound);
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, cache.begin(), 'x'.repeat(30), tags(LISTS));
    const s = cache.stats();
    expect(s.bytes).toBeLessThanOrEqual(bound);
    expect(s.entries).toBe(3);
    expect(s.evictions).toBe(7);
    expect(cache.invalidate([event('ITEM_PUBLISHED', 'x', 'i')])).toBe(3);
    expect(cache.stats()).toMatchObject({ bytes: 0, entries: 0 });
  });
});
