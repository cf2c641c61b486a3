import { parseSearchQuery, toTsquery } from '../../../src/modules/search/search-query';

describe('search query syntax', () => {
  it('ANDs words, keeps a word written without spaces as a phrase of its parts', () => {
    expect(toTsquery(parseSearchQuery('Opus 4.5'))).toBe("'opus' & '4.5'");
    expect(toTsquery(parseSearchQuery('GPT-4o'))).toBe("('gpt' <1> '4o')");
    expect(toTsquery(parseSearchQuery('供應鏈'))).toBe("('供应' <1> '应链')");
  });

  it('makes a lone Han character a prefix and keeps the distance across a Han run’s last character', () => {
    expect(toTsquery(parseSearchQuery('鏈'))).toBe("'链':*");
    // 評判 then X: the run's last character (判) holds a position in the text, so X is two further on.
    expect(toTsquery(parseSearchQuery('評判X'))).toBe("('评判' <2> 'x')");
  });

  it('reads quoted phrases (also unclosed, full-width and CJK quotes) and exclusions', () => {
    expect(toTsquery(parseSearchQuery('"reward hacking" -RLHF'))).toBe("('reward' <1> 'hacking') & !'rlhf'");
    expect(toTsquery(parseSearchQuery('「供應鏈」 －"lost in'))).toBe("('供应' <1> '应链') & !('lost' <1> 'in')");
    expect(toTsquery(parseSearchQuery('a-b -c'))).toBe("('a' <1> 'b') & !'c'");
  });

  it('refuses queries that search nothing, naming the argument given', () => {
    expect(() => parseSearchQuery('')).toThrow('query: must not be empty');
    expect(() => parseSearchQuery('。，!?', 'filter.query')).toThrow(/^filter\.query: has no word/);
    expect(() => parseSearchQuery('-only')).toThrow(/has no word/);
    expect(() => parseSearchQuery('x'.repeat(501))).toThrow('query: must be at most 500 characters');
    expect(() => parseSearchQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '))).toThrow(/at most 32/);
  });
});
