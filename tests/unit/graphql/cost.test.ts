import { getNamedType, getNullableType, isListType, isObjectType, parse } from 'graphql';
import { DIGEST_CAPS } from '../../../src/ingest/caps';
import { DEFAULT_LIMITS, LIST_MAXIMA, operationCost } from '../../../src/graphql/limits';
import { buildSchema } from '../../../src/graphql/schema';
import { FULL_REPORT_PAGE } from '../../support/queries';

const schema = buildSchema('test');
const cost = (query: string, variables?: Record<string, unknown>): number => operationCost(schema, parse(query), null, variables);

describe('operation cost estimate', () => {
  it('knows the maximum of every list of objects without `first` (admin lists aside)', () => {
    // Lists only admins can read, of what admins made: estimated at LIST_SIZE_ESTIMATE.
    const adminLists = ['Query.apiKeys', 'Query.webhooks', 'Webhook.pendingBatches'];
    const unbounded: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const key = `${type.name}.${field.name}`;
        const list = isListType(getNullableType(field.type));
        if (!list || !isObjectType(getNamedType(field.type)) || field.args.some((a) => a.name === 'first') || type.name.endsWith('Connection')) continue;
        if (!(key in LIST_MAXIMA) && !adminLists.includes(key)) unbounded.push(key);
      }
    }
    expect(unbounded).toEqual([]);
  });

  it('counts a list without `first` at its cap: the issue\'s 15 aliases of a report\'s items', () => {
    const one = '{ report(slug: "x") { items { id title body } } }';
    expect(cost(one)).toBe(1 + DIGEST_CAPS.itemsPerReport);
    const fifteen = `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: report(slug: "x") { items { id title body } }`).join(' ')} }`;
    expect(cost(fifteen)).toBe(15 * (1 + DIGEST_CAPS.itemsPerReport));
  });

  it("counts a report's items through its sections at most a report's worth", () => {
    const viaSections = '{ latestReport { sections { items { id } } } }';
    expect(cost(viaSections)).toBe(1 + DIGEST_CAPS.sectionsPerReport + DIGEST_CAPS.itemsPerReport);
    // Not so through an item's section: each item's section has its own items.
    const viaItem = '{ latestReport { items { section { items { id } } } } }';
    expect(cost(viaItem)).toBe(1 + DIGEST_CAPS.itemsPerReport * (2 + DIGEST_CAPS.itemsPerSection));
  });

  it('lets a frontend full report page (every section, item, entity and source) through the default limit', () => {
    expect(cost(FULL_REPORT_PAGE, { slug: 'x' })).toBeLessThanOrEqual(DEFAULT_LIMITS.maxCost);
  });

  it('reads `first` as execution does: coerced variables, their defaults, the field default', () => {
    const page = (first: number) => 1 + first * 2;
    expect(cost('query($n: Int = 100) { items(first: $n) { edges { node { id } } } }')).toBe(page(100));
    expect(cost('query($n: Int = 100) { items(first: $n) { edges { node { id } } } }', { n: 5 })).toBe(page(5));
    expect(cost('query($n: Int) { items(first: $n) { edges { node { id } } } }')).toBe(page(20));
    expect(cost('{ items { edges { node { id } } } }')).toBe(page(20));
    expect(cost('{ items(first: 50) { edges { node { id } } } }')).toBe(page(50));
  });

  it("counts a list that takes `first` itself at `first` objects, each with its own subtree (the tester's related and trending pages)", () => {
    const perItem = 1 + DIGEST_CAPS.entitiesPerItem + DIGEST_CAPS.sourcesPerItem;
    // 100 items, each with 100 related items (RelatedItem + its item), each with its entities and sources.
    const related = '{ items(first: 100) { edges { node { related(first: 100) { item { entities { name } sources { url } } } } } } }';
    expect(cost(related)).toBe(1 + 100 * (2 + 100 * (1 + perItem)));
    expect(cost(related)).toBeGreaterThan(DEFAULT_LIMITS.maxCost);
    // The schema default (5) when `first` is absent.
    expect(cost('{ item(id: "x") { related { item { id } } } }')).toBe(1 + 5 * 2);
    // 100 trending entities, each with 100 related entities, each with a page of 100 items.
    const trending = '{ trendingEntities(first: 100) { entity { related(first: 100) { items(first: 100) { edges { node { id } } } } } } }';
    expect(cost(trending)).toBe(100 * (2 + 100 * (2 + 200)));
    // A `first` over the page maximum is refused at execution: it counts as the maximum.
    expect(operationCost(schema, parse('{ trendingEntities(first: 1000) { entity { id } } }'), null, null, 100)).toBe(100 * 2);
  });

  it('counts timelines at their bucket cap and a page of 100 search hits with every highlight within the limit', () => {
    expect(cost('{ entity(name: "x") { timeline(bucket: DAY) { start mentions } } }')).toBe(1 + 1000);
    const hits = '{ search(query: "x", first: 100) { edges { node { id } highlights { field snippet matches { start length } } } } }';
    expect(cost(hits)).toBe(1 + 100 * (1 + 1 + 10 * (1 + 8)));
    expect(cost(hits)).toBeLessThanOrEqual(DEFAULT_LIMITS.maxCost);
  });
});
