import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDigest, renderDigest } from '../../../src/ingest';
import { EAGLE_DIR, EXAMPLES_DIR, SEED_FILE, corpusAvailable, describeWithCorpus, eagleFiles } from '../../support/corpus';

const examples = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.md'));

describe('render → parse gives the same report', () => {
  it.each(examples)('examples/%s', (file) => {
    const report = parseDigest(readFileSync(join(EXAMPLES_DIR, file)), { fileName: file });
    const markdown = renderDigest(report);
    expect(parseDigest(markdown)).toEqual(report);
    // Rendering is stable: a second pass writes the same text.
    expect(renderDigest(parseDigest(markdown))).toBe(markdown);
  });

  it('renders the seed layout: labelled blocks, importance words and the footer', () => {
    const report = parseDigest(readFileSync(join(EXAMPLES_DIR, '2026-11-20-ai-intel.md')));
    const md = renderDigest(report);
    expect(md).toContain('## 今日焦點（Top Headlines）');
    expect(md).toContain('**重要性**：高');
    expect(md).toContain('**來源**： [專案公告](https://example.org/news/openreason-7b) | [arXiv:2611.01234](arXiv:2611.01234)');
    expect(md).toContain('*資料來源：186 篇文章 | 分析主題：6 個*');
  });
});

describeWithCorpus('render → parse on the real corpus', () => {
  it('the seed', () => {
    const report = parseDigest(readFileSync(SEED_FILE), { fileName: SEED_FILE });
    expect(parseDigest(renderDigest(report))).toEqual(report);
  });

  it.each(corpusAvailable ? eagleFiles() : ['-'])('eagle %s', (file) => {
    const report = parseDigest(readFileSync(join(EAGLE_DIR, file)), { fileName: file });
    expect(parseDigest(renderDigest(report))).toEqual(report);
  });
});
