import { splitEntities, toEntityRefs } from '../../../src/ingest/entities';
import { parseImportance } from '../../../src/ingest/importance';
import { classifySource, dedupeSources } from '../../../src/ingest/sources';
import { mentions } from '../../../src/ingest/tags';
import { normaliseKey } from '../../../src/ingest/normalise';
import { sectionKey, splitSectionTitle } from '../../../src/ingest/section-keys';
import { reportInputSchema } from '../../../src/ingest';

describe('entities', () => {
  it('split on every separator generators use', () => {
    expect(splitEntities('A, B，C、D; E；F ,  ')).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
  });
  it('normalise keys: NFKC, case-folded, whitespace collapsed', () => {
    expect(normaliseKey('  ＧＰＴ－ＯＳＳ  ')).toBe('gpt-oss');
    expect(normaliseKey('Claude   Opus\t4.5')).toBe('claude opus 4.5');
    expect(toEntityRefs(['GPT-OSS', 'gpt-oss', 'Gpt-Oss '])).toEqual([{ name: 'GPT-OSS', key: 'gpt-oss' }]);
  });
});

describe('sources', () => {
  it.each([
    ['arXiv:2405.17838', 'arXiv:2405.17838', 'https://arxiv.org/abs/2405.17838'],
    ['arXiv:2504.21194', 'arXiv:2504.21194v2', 'https://arxiv.org/abs/2504.21194v2'],
    ['arXiv:2406.03283', '2406.03283', 'https://arxiv.org/abs/2406.03283'],
    ['paper', 'https://arxiv.org/pdf/2406.03283v1.pdf', 'https://arxiv.org/abs/2406.03283v1'],
  ])('%s (%s) is ARXIV', (label, ref, url) => {
    expect(classifySource(label, ref)).toMatchObject({ kind: 'ARXIV', url, domain: 'arxiv.org' });
  });
  it('a bare number without an arXiv label is not guessed', () => {
    expect(classifySource('來源1', '1')).toEqual({ label: '來源1', url: null, kind: 'UNRESOLVED', domain: null, ref: '1' });
    expect(classifySource('note', '2406.03283')).toMatchObject({ kind: 'UNRESOLVED' });
  });
  it('web links keep their domain', () => {
    expect(classifySource('G', 'https://www.theguardian.com/x')).toMatchObject({ kind: 'WEB', domain: 'theguardian.com' });
  });
  it('duplicate URLs collapse, first label wins; placeholders are all kept', () => {
    const s = [classifySource('a', 'https://x.test/1'), classifySource('b', 'https://x.test/1'), classifySource('c', '1'), classifySource('d', '2')];
    expect(dedupeSources(s).map((x) => x.label)).toEqual(['a', 'c', 'd']);
  });
});

describe('importance', () => {
  it.each([
    ['高', 'HIGH'], ['中', 'MEDIUM'], ['低', 'LOW'], ['High', 'HIGH'], ['MEDIUM', 'MEDIUM'], ['高（High）', 'HIGH'],
    ['Low (低)', 'LOW'], ['', null], ['極高', 'unknown'], ['高（Low）', 'unknown'],
  ])('%s → %s', (text, expected) => {
    expect(parseImportance(text)).toBe(expected);
  });
});

describe('tag mentions', () => {
  it('are case- and width-insensitive', () => {
    expect(mentions('使用 ｒｌｈｆ 訓練', 'RLHF')).toBe(true);
    expect(mentions('Robotaxi fleets', 'robotaxi')).toBe(true);
  });
  it('need whole ASCII words but not CJK word boundaries', () => {
    expect(mentions('MSRS steering', 'SMR')).toBe(false);
    expect(mentions('LLMs are judges', 'LLM')).toBe(false);
    expect(mentions('多模態視頻大模型', '多模態')).toBe(true);
  });
});

describe('section titles', () => {
  it.each([
    ['今日焦點（Top Headlines）', '今日焦點', 'Top Headlines', 'top-headlines'],
    ['工具與資源 (Tools & Resources)', '工具與資源', 'Tools & Resources', 'tools-resources'],
    ['編輯洞察（Editor’s Insight）', '編輯洞察', 'Editor’s Insight', 'editors-insight'],
    ['延伸閱讀與資源', '延伸閱讀與資源', null, 'further-reading'],
    ['Model & Research Updates', 'Model & Research Updates', null, 'model-research-updates'],
    ['🌊 今日浪頭', '🌊 今日浪頭', null, '今日浪頭'],
  ])('%s', (heading, title, titleEn, key) => {
    const split = splitSectionTitle(heading);
    expect(split).toEqual({ title, titleEn });
    expect(sectionKey(split.title, split.titleEn)).toBe(key);
  });
});

describe('structured input (the publish path)', () => {
  it('normalises JSON the same way as Markdown', () => {
    const report = reportInputSchema.parse({
      slug: 'json-1',
      title: 'JSON report',
      date: '2026-11-22T08:00:00+08:00',
      tags: ['RLHF'],
      sections: [
        { title: '今日焦點（Top Headlines）', items: [{ title: 'An RLHF item', importance: 'HIGH', entities: ['GPT-OSS', { name: 'gpt-oss' }], sources: [{ label: 'p', url: 'arXiv:2405.17838' }], tags: ['custom'] }] },
        { title: 'Top Headlines', items: [] },
      ],
    });
    expect(report.sections.map((s) => s.key)).toEqual(['top-headlines', 'top-headlines-2']);
    const item = report.sections[0]!.items[0]!;
    expect(item.entities).toEqual([{ name: 'GPT-OSS', key: 'gpt-oss' }]);
    expect(item.sources[0]).toMatchObject({ kind: 'ARXIV', url: 'https://arxiv.org/abs/2405.17838' });
    expect(item.tags).toEqual(['custom', 'RLHF']);
    expect(item.position).toBe(1);
  });
  it('names the field of a bad value', () => {
    const r = reportInputSchema.safeParse({ slug: 's', title: 't', date: '2026-01-01', sections: [{ title: 'x', items: [{ title: 'i', importance: 'URGENT' }] }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['sections', 0, 'items', 0, 'importance']);
  });
});
