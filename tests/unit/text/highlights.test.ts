import { MAX_HIGHLIGHTS, MAX_MATCHES, highlightsOf } from '../../../src/modules/search/highlights';
import { parseSearchQuery } from '../../../src/modules/search/search-query';

describe('highlights', () => {
  it('keeps at most MAX_HIGHLIGHTS highlights per hit (title first) and MAX_MATCHES ranges per highlight, the bounds the query cost counts', () => {
    const q = parseSearchQuery('rlhf');
    const entities = Array.from({ length: 30 }, (_, i) => ['entities', `RLHF variant ${i}`] as const);
    const out = highlightsOf(q, [['title', 'RLHF '.repeat(30)], ...entities]);
    expect(out).toHaveLength(MAX_HIGHLIGHTS);
    expect(out[0]!.field).toBe('title');
    expect(out[0]!.matches).toHaveLength(MAX_MATCHES);
    expect(out[0]!.matches[0]).toEqual({ start: 0, length: 4 });
  });
});
