import { foldText } from '../../../src/ingest';
import { foldForSearch, tokenise } from '../../../src/text/fold';

const texts = (s: string): string[] => tokenise(s).map((t) => t.text);

describe('search folding', () => {
  it('folds Traditional to Simplified, full width and case, like tag keys plus the script', () => {
    expect(foldForSearch('評判 供應鏈 ＧＰＴ Opus 臺灣 峯')).toBe('评判 供应链 gpt opus 台湾 峰');
    // Simplified text is already folded: folding is idempotent.
    expect(foldForSearch('评判 供应链 台湾')).toBe('评判 供应链 台湾');
    for (const s of ['評判', 'RLHF', 'ＡＩ代理', '供應鏈']) expect(foldForSearch(foldText(s).trim())).toBe(foldForSearch(s).trim());
  });

  it('makes the same tokens of Traditional and Simplified text', () => {
    expect(texts('評判')).toEqual(texts('评判'));
    expect(texts('供應鏈管理')).toEqual(['供应', '应链', '链管', '管理', '理']);
    expect(texts('供應鏈管理')).toEqual(texts('供应链管理'));
  });

  it('bigrams Han runs, keeps a lone character, and words and numbers whole', () => {
    expect(tokenise('評').map((t) => [t.text, t.kind])).toEqual([['评', 'single']]);
    expect(texts('Opus 4.5 發布')).toEqual(['opus', '4.5', '发布', '布']);
    expect(texts('GPT-4o評判系統')).toEqual(['gpt', '4o', '评判', '判系', '系统', '统']);
    expect(texts('arXiv:2405.17838, 1,000 tokens.')).toEqual(['arxiv', '2405.17838', '1,000', 'tokens']);
    expect(texts('LLM-as-a-Judge')).toEqual(['llm', 'as', 'a', 'judge']);
    expect(texts('  ，。!!  ')).toEqual([]);
  });

  it('numbers positions consecutively and keeps each token’s origin in the original text', () => {
    const s = 'ＤｅｅｐＳｅｅｋ 評判系統';
    const tokens = tokenise(s);
    expect(tokens.map((t) => t.position)).toEqual([0, 1, 2, 3, 4]);
    expect(tokens.map((t) => s.slice(t.start, t.end))).toEqual(['ＤｅｅｐＳｅｅｋ', '評判', '判系', '系統', '統']);
    // A decomposed accent folds with its letter (NFKC composes within the cluster).
    const accent = 'cafe\u0301 café';
    expect(tokenise(accent).map((t) => [t.text, accent.slice(t.start, t.end)])).toEqual([
      ['café', 'cafe\u0301'],
      ['café', 'café'],
    ]);
  });
});
