import { readFileSync } from 'node:fs';
import { parseDigest, type Item, type Report } from '../../../src/ingest';
import { SEED_FILE, describeWithCorpus } from '../../support/corpus';

describeWithCorpus('the seed digest (ai-intel 2025-11-25)', () => {
  let report: Report;
  let items: Item[];
  const item = (titlePart: string): Item => {
    const found = items.find((i) => i.title.includes(titlePart));
    if (!found) throw new Error(`no item with "${titlePart}"`);
    return found;
  };

  beforeAll(() => {
    report = parseDigest(readFileSync(SEED_FILE), { fileName: SEED_FILE });
    items = report.sections.flatMap((s) => s.items);
  });

  it('reads the front matter, keeping the date offset', () => {
    expect(report.slug).toBe('2025-11-25-ai-intel');
    expect(report.title).toBe('大型語言模型評判與基礎設施趨勢分析 — 2025/11/25');
    expect(report.date).toBe('2025-11-25T06:42:17+08:00');
    expect(report.draft).toBe(false);
    expect(report.tags).toEqual(['LLM-as-a-Judge', 'RLHF', '基礎設施', '多模態', '模型安全']);
    expect(report.description).toBe('總覽 LLM 作為評判器的技術進展、RLHF 多專家獎勵及基礎設施與安全議題。');
    expect(report.summary).toContain('Opus 4.5 上線');
    expect(report.cover).toEqual({ image: '/images/2025-11-25-ai-intel.png', alt: 'AI Daily', relative: true });
  });

  it('reads the footer stats, collection window and generation time', () => {
    expect(report.stats).toEqual({ articleCount: 254, topicCount: 30 });
    expect(report.collectionWindow).toBe('過去 24 小時');
    expect(report.generatedAt).toBe('2025/11/25 06:42:17 CST');
  });

  it('reads 12 keywords and a 5-entry watchlist', () => {
    expect(report.keywords).toHaveLength(12);
    expect(report.keywords[0]).toBe('LLM-as-a-Judge');
    expect(report.keywords[11]).toBe('activation steering');
    expect(report.watchlist).toHaveLength(5);
    expect(report.watchlist[0]).toBe('LLM-as-a-Judge 與多專家獎勵模型在商業 RLHF 流水線中的實際採用情況。');
  });

  it('has 8 sections in order with stable keys and English titles', () => {
    expect(report.sections.map((s) => s.key)).toEqual([
      'top-headlines',
      'model-research-updates',
      'tools-resources',
      'industry-applications',
      'industry-trends-insights',
      'key-market-updates',
      'editors-insight',
      'further-reading',
    ]);
    expect(report.sections[0]).toMatchObject({ title: '今日焦點', titleEn: 'Top Headlines', position: 1 });
    expect(report.sections[6]).toMatchObject({ title: '編輯洞察', titleEn: 'Editor’s Insight', prose: true });
    expect(report.sections[7]).toMatchObject({ title: '延伸閱讀與資源', titleEn: null, prose: true });
  });

  it('has 30 items: 3 HIGH, 20 MEDIUM, 7 LOW, matching the footer', () => {
    expect(items).toHaveLength(30);
    expect(items).toHaveLength(report.stats!.topicCount);
    const count = (imp: string): number => items.filter((i) => i.importance === imp).length;
    expect([count('HIGH'), count('MEDIUM'), count('LOW')]).toEqual([3, 20, 7]);
    expect(items.map((i) => i.position)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(report.sections.map((s) => s.items.length)).toEqual([3, 4, 4, 6, 9, 4, 0, 0]);
  });

  it('reads 112 entity mentions', () => {
    expect(items.reduce((n, i) => n + i.entities.length, 0)).toBe(112);
  });

  it('reads the Opus 4.5 item whole, with its 4 web sources', () => {
    const opus = item('Opus 4.5');
    expect(opus.importance).toBe('HIGH');
    expect(opus.summary).toMatch(/^Anthropic 的旗艦模型 Claude Opus 4.5/);
    expect(opus.details).toContain('- **模型能力與部署**\n  - Opus 4.5 被定位為');
    expect(opus.details).toContain('\n    - coding、agents');
    expect(opus.applications).toMatch(/^- 在 AWS 環境中構建多供應商 LLM 平台/);
    expect(opus.entities.map((e) => e.name)).toEqual([
      'Claude Opus 4.5', 'Sonnet 4.5', 'Opus 4.1', 'Anthropic', 'Amazon Bedrock', 'GPT-OSS', 'OpenAI Chat Completions API',
    ]);
    expect(opus.entities.find((e) => e.name === 'GPT-OSS')!.key).toBe('gpt-oss');
    expect(opus.sources).toHaveLength(4);
    expect(opus.sources.every((s) => s.kind === 'WEB')).toBe(true);
    expect(opus.sources[1]).toEqual({
      label: 'TechCrunch – Opus 4.5',
      url: 'https://techcrunch.com/2025/11/24/anthropic-releases-opus-4-5-with-new-chrome-and-excel-integrations/',
      kind: 'WEB',
      domain: 'techcrunch.com',
      ref: 'https://techcrunch.com/2025/11/24/anthropic-releases-opus-4-5-with-new-chrome-and-excel-integrations/',
    });
    expect(opus.extra).toEqual([]);
  });

  it('canonicalises the 4 arXiv sources of the harmful-content item', () => {
    const harm = item('危害資訊偵測');
    expect(harm.sources.map((s) => [s.kind, s.url])).toEqual([
      ['ARXIV', 'https://arxiv.org/abs/2405.17838'],
      ['ARXIV', 'https://arxiv.org/abs/2509.21651'],
      ['ARXIV', 'https://arxiv.org/abs/2511.16689'],
      ['ARXIV', 'https://arxiv.org/abs/2510.22300'],
    ]);
  });

  it('reads bare arXiv ids under an arXiv label, and keeps versions', () => {
    expect(item('倉庫級代碼生成').sources.map((s) => s.url)).toEqual([
      'https://arxiv.org/abs/2406.03283',
      'https://arxiv.org/abs/2507.13290',
    ]);
    expect(item('ISS-Geo142').sources).toEqual([
      { label: 'arXiv:2504.21194', url: 'https://arxiv.org/abs/2504.21194v2', kind: 'ARXIV', domain: 'arxiv.org', ref: 'arXiv:2504.21194v2' },
    ]);
  });

  it('keeps the Python random item\'s placeholder source UNRESOLVED, inventing no URL', () => {
    const py = item('Python random');
    expect(py.importance).toBe('LOW');
    expect(py.sources).toEqual([{ label: '來源1', url: null, kind: 'UNRESOLVED', domain: null, ref: '1' }]);
    expect(py.details).toBeNull();
  });

  it('collapses a URL listed twice in one item', () => {
    const humane = item('Humane Bench');
    expect(humane.sources).toHaveLength(1);
    expect(humane.sources[0]!.label).toBe('TechCrunch 報導1');
  });

  it('tags items that mention a report tag or keyword', () => {
    const judge = item('以大型語言模型作為評判者');
    expect(judge.tags).toEqual(expect.arrayContaining(['LLM-as-a-Judge', 'RLHF']));
    const rlhf = items.filter((i) => i.tags.includes('RLHF')).map((i) => i.title);
    expect(rlhf).toEqual(['以大型語言模型作為評判者的技術方法與框架']);
    expect(item('Pony.ai').tags).toContain('robotaxi');
    expect(item('Python random').tags).toEqual([]);
  });

  it('keeps prose sections as Markdown with their links as sources', () => {
    const further = report.sections[7]!;
    expect(further.items).toEqual([]);
    expect(further.body).toContain('### 深度文章推薦');
    expect(further.body).toContain('### 本日關鍵詞');
    expect(further.body).not.toContain('資料來源：254');
    expect(further.sources.map((s) => s.domain)).toEqual(['aws.amazon.com', 'techcrunch.com', 'theguardian.com']);
    const insight = report.sections[6]!;
    expect(insight.body).toContain('### 未來展望');
    expect(insight.body).toContain('**關注清單**');
  });
});
