import { buildSearchVector, parseSearchVector } from '../../../../src/modules/search/search-doc';
import { matchesItem, normaliseItemFilter, type ItemFacts, type ItemFilterInput } from '../../../../src/modules/items/item-filter';

/** An item as the matcher sees it: HIGH, tags agents and gpu, in top-headlines of report r1. */
const item = (more: Partial<ItemFacts> = {}): ItemFacts => ({
  tagKeys: ['agents', 'gpu'],
  importanceRank: 3,
  sectionKey: 'top-headlines',
  entityKeys: ['gpt-oss', 'codereason-14b'],
  reportSlug: 'r1',
  publishedAt: new Date('2026-11-21T06:30:00Z'),
  searchDoc: () =>
    parseSearchVector(
      buildSearchVector({ title: 'Compact reasoning model tops a coding benchmark', summary: '供應鏈 shrinks', details: null, applications: null, body: null, extra: [], entities: ['GPT-OSS'], tags: ['Agents'], sources: [] }),
    ),
  ...more,
});
const matches = (input: ItemFilterInput | null | undefined, facts: ItemFacts = item()): boolean => matchesItem(normaliseItemFilter(input), facts);

describe('the item filter matcher', () => {
  it('matches everything with no filter, or with empty lists and a blank query (no condition)', () => {
    expect(matches(null)).toBe(true);
    expect(matches({})).toBe(true);
    expect(matches({ tags: [], sections: [], entities: [], query: '   ' })).toBe(true);
    expect(normaliseItemFilter({ tags: [], query: ' ' })).toMatchObject({ tagKeys: null, query: null });
  });

  it('minImportance means at least: MEDIUM takes MEDIUM and HIGH, not LOW', () => {
    expect(matches({ minImportance: 'MEDIUM' }, item({ importanceRank: 3 }))).toBe(true);
    expect(matches({ minImportance: 'MEDIUM' }, item({ importanceRank: 2 }))).toBe(true);
    expect(matches({ minImportance: 'MEDIUM' }, item({ importanceRank: 1 }))).toBe(false);
    expect(matches({ minImportance: 'LOW' }, item({ importanceRank: 0 }))).toBe(false);
  });

  it('a list matches ANY of its values; conditions combine with AND', () => {
    expect(matches({ tags: ['nope', 'GPU'] })).toBe(true);
    expect(matches({ tags: ['nope'] })).toBe(false);
    expect(matches({ tags: ['gpu'], minImportance: 'HIGH' }, item({ importanceRank: 2 }))).toBe(false);
    expect(matches({ tags: ['gpu'], entities: ['nobody'] })).toBe(false);
    expect(matches({ sections: ['top-headlines', 'other'], reportSlug: 'r1' })).toBe(true);
    expect(matches({ reportSlug: 'r2' })).toBe(false);
  });

  it('folds names like stored keys: case, full width and spacing', () => {
    expect(matches({ tags: ['ＧＰＵ'] })).toBe(true);
    expect(matches({ tags: ['  Agents '] })).toBe(true);
    expect(matches({ entities: ['GPT-OSS'] })).toBe(true);
    expect(matches({ entities: ['  CodeReason-14B  '] })).toBe(true);
    expect(matches({ sections: [' Top-Headlines '] })).toBe(true);
    // A slug is an identifier, not a name: it is not folded.
    expect(matches({ reportSlug: 'R1' })).toBe(false);
    expect(normaliseItemFilter({ tags: ['GPU', 'gpu', 'ｇｐｕ'] }).tagKeys).toEqual(['gpu']);
  });

  it('from and to are inclusive bounds on the publication instant', () => {
    const at = '2026-11-21T06:30:00Z';
    expect(matches({ from: new Date(at), to: new Date(at) })).toBe(true);
    expect(matches({ from: new Date('2026-11-21T06:30:00.001Z') })).toBe(false);
    expect(matches({ to: new Date('2026-11-21T06:29:59.999Z') })).toBe(false);
  });

  it('a query matches the item’s search document (Traditional = Simplified, exclusions), read only when asked', () => {
    expect(matches({ query: 'reasoning benchmark' })).toBe(true);
    expect(matches({ query: '供应链' })).toBe(true);
    expect(matches({ query: 'reasoning -benchmark' })).toBe(false);
    expect(matches({ query: '"coding reasoning"' })).toBe(false);
    let read = 0;
    const counted = item({ searchDoc: () => (read++, item().searchDoc()) });
    expect(matches({ tags: ['gpu'] }, counted)).toBe(true);
    expect(matches({ tags: ['nope'], query: 'reasoning' }, counted)).toBe(false);
    expect(read).toBe(0);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field: unknown keys, bad importance, from after to, too many values', () => {
    const refusal = (input: unknown): unknown => {
      try {
        normaliseItemFilter(input as ItemFilterInput);
      } catch (err) {
        return (err as { extensions?: Record<string, unknown>; message: string }).extensions;
      }
      return 'accepted';
    };
    expect(refusal({ minImportance: 'URGENT' })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(refusal({ from: new Date('2026-02-01'), to: new Date('2026-01-01') })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(refusal({ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) })).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(refusal({ colour: 'red' })).toMatchObject({ code: 'BAD_USER_INPUT' });
    // Stored filters (webhooks) come back as JSON: an ISO string is an instant.
    expect(normaliseItemFilter({ from: '2026-11-21T00:00:00Z' as unknown as Date }).from).toEqual(new Date('2026-11-21T00:00:00Z'));
  });
});
