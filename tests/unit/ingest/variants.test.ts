import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDigest, type Report } from '../../../src/ingest';
import { EXAMPLES_DIR } from '../../support/corpus';

const ZH = readFileSync(join(EXAMPLES_DIR, '2026-11-20-ai-intel.md'), 'utf8');
const parse = (md: string | Uint8Array): Report => parseDigest(md, { fileName: '2026-11-20-ai-intel.md' });
const base = parse(ZH);
const items = (r: Report) => r.sections.flatMap((s) => s.items);

const replaceAll = (text: string, pairs: [string | RegExp, string][]): string =>
  pairs.reduce((t, [from, to]) => t.replace(typeof from === 'string' ? new RegExp(escape(from), 'g') : from, to), text);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('variants the parser takes without code changes', () => {
  it('reads the example itself as expected', () => {
    expect(items(base)).toHaveLength(6);
    expect(items(base).map((i) => i.importance)).toEqual(['HIGH', 'HIGH', 'MEDIUM', 'MEDIUM', 'LOW', 'MEDIUM']);
  });

  it('CRLF line endings and a UTF-8 BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ZH.replace(/\n/g, '\r\n'), 'utf8')]);
    expect(parse(bytes)).toEqual(base);
  });

  it('ASCII colons after labels', () => {
    const r = parse(ZH.replace(/\*\*：/g, '**:'));
    // Prose bodies are kept as written; everything read out of them is the same.
    expect(items(r)).toEqual(items(base));
    expect([r.keywords, r.watchlist, r.stats]).toEqual([base.keywords, base.watchlist, base.stats]);
  });

  it('colons inside the bold label', () => {
    expect(parse(ZH.replace(/\*\*(關鍵實體|重要性|來源)\*\*：/g, '**$1：**'))).toEqual(base);
  });

  it('Simplified Chinese labels', () => {
    const simplified = replaceAll(ZH, [
      ['技術細節', '技术细节'], ['應用場景', '应用场景'], ['關鍵實體', '关键实体'], ['來源**', '来源**'],
      ['編輯洞察', '编辑洞察'], ['延伸閱讀與資源', '延伸阅读与资源'], ['本日關鍵詞', '本日关键词'], ['關注清單', '关注清单'],
    ]);
    const r = parse(simplified);
    expect(items(r)).toEqual(items(base));
    expect(r.sections.map((s) => s.key)).toEqual(base.sections.map((s) => s.key));
    expect(r.keywords).toEqual(base.keywords);
    expect(r.watchlist).toEqual(base.watchlist);
  });

  it('English labels', () => {
    const english = replaceAll(ZH, [
      ['**核心摘要**', '**Core Summary**'], ['**技術細節**', '**Technical Details**'], ['**應用場景**', '**Use Cases**'],
      ['**關鍵實體**', '**Key Entities**'], ['**重要性**', '**Importance**'], ['**來源**', '**Sources**'],
    ]);
    expect(items(parse(english))).toEqual(items(base));
    const alt = replaceAll(ZH, [['**核心摘要**', '**Summary**'], ['**應用場景**', '**Applications**']]);
    expect(items(parse(alt))).toEqual(items(base));
  });

  it.each([
    ['High/Medium/Low', { 高: 'High', 中: 'Medium', 低: 'Low' }],
    ['高（High）', { 高: '高（High）', 中: '中（Medium）', 低: '低（Low）' }],
    ['lower case', { 高: 'high', 中: 'medium', 低: 'low' }],
  ])('importance written as %s', (_name, words) => {
    const md = ZH.replace(/\*\*重要性\*\*：([高中低])/g, (_m, w: '高' | '中' | '低') => `**重要性**：${words[w]}`);
    expect(items(parse(md)).map((i) => i.importance)).toEqual(items(base).map((i) => i.importance));
  });

  it('extra blank lines and trailing spaces', () => {
    const noisy = ZH.replace(/\n\n/g, '\n\n\n\n').replace(/\n/g, '   \n');
    expect(parse(noisy)).toEqual(base);
  });

  it('a missing optional block', () => {
    const md = ZH.replace(/\*\*技術細節\*\* {2}\n- \*\*蒸餾流程\*\*[\s\S]*?(?=\*\*應用場景\*\*)/, '');
    const r = items(parse(md));
    expect(r[0]!.details).toBeNull();
    expect({ ...r[0], details: null }).toEqual({ ...items(base)[0], details: null });
    expect(r.slice(1)).toEqual(items(base).slice(1));
  });

  it('an unknown labelled block is kept under extra', () => {
    const md = ZH.replace('**關鍵實體**：OpenReason-7B', '**編者註**：這是範例。\n\n**關鍵實體**：OpenReason-7B');
    expect(items(parse(md))[0]!.extra).toEqual([{ label: '編者註', text: '這是範例。' }]);
  });

  it('the English example', () => {
    const en = parse(readFileSync(join(EXAMPLES_DIR, '2026-11-21-ai-digest-en.md')));
    expect(en.sections.map((s) => s.key)).toEqual([
      'top-headlines', 'model-research-updates', 'industry-applications', 'editors-insight', 'further-reading',
    ]);
    expect(items(en).map((i) => i.importance)).toEqual(['HIGH', 'HIGH', 'MEDIUM', 'MEDIUM', 'MEDIUM', 'LOW']);
    expect(en.stats).toEqual({ articleCount: 143, topicCount: 6 });
    expect(en.keywords).toEqual(['Reasoning', 'Agents', 'RLHF', 'GPU', 'long context']);
    expect(en.watchlist).toHaveLength(2);
    expect(items(en)[1]!.sources[1]).toMatchObject({ kind: 'UNRESOLVED', url: null, label: 'Source 1' });
  });

  it('the slug falls back from front matter to file name to date', () => {
    expect(parse(ZH.replace('draft: false', 'draft: false\nslug: my-slug')).slug).toBe('my-slug');
    expect(base.slug).toBe('2026-11-20-ai-intel');
    expect(parseDigest(ZH).slug).toBe('2026-11-20');
  });
});
