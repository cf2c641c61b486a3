import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDigest } from '../../../src/ingest';
import { markdownLinkUrls } from '../../support/markdown-links';
import { EAGLE_DIR, describeWithCorpus, eagleFiles } from '../../support/corpus';

/** Heading text and link targets of a file, read independently of the parser. */
function headingsAndUrls(md: string): { headings: string[]; urls: string[] } {
  let fence = false;
  const headings: string[] = [];
  for (const line of md.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const h = !fence && /^#{2,3}\s+(.+?)\s*$/.exec(line);
    if (h) headings.push(h[1]!.replace(/^\[([^\]]+)\]\([^)]*\)$/, '$1'));
  }
  const urls = [...md.matchAll(/\]\((https?:\/\/[^)\s]+)\)/g)].map((m) => m[1]!);
  return { headings, urls };
}

describeWithCorpus('eagle-cool digests through the general fallback', () => {
  const files = eagleFiles();

  it('finds the whole folder', () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
  });

  it.each(files)('%s loses no heading and no link', (file) => {
    const md = readFileSync(join(EAGLE_DIR, file), 'utf8');
    const report = parseDigest(md, { fileName: file });
    const everything = JSON.stringify(report);
    const { headings, urls } = headingsAndUrls(md);
    expect(headings.length).toBeGreaterThan(0);
    for (const h of headings) expect(everything).toContain(JSON.stringify(h).slice(1, -1));
    for (const u of urls) expect(everything).toContain(JSON.stringify(u).slice(1, -1));
    for (const item of report.sections.flatMap((s) => s.items)) expect(item.importance).toBeNull();
    expect(report.slug).toBe(file.replace(/\.md$/, ''));
  });

  it('reads a daily digest into linked items and bullet items', () => {
    const report = parseDigest(readFileSync(join(EAGLE_DIR, '2026-02-14-gpt53-codex-chatgpt-ads-protein-lab.md')), {
      fileName: '2026-02-14-gpt53-codex-chatgpt-ads-protein-lab.md',
    });
    expect(report.date).toBe('2026-02-14');
    expect(report.tags).toEqual(['llm', 'ai-coding', 'ai-industry', 'agents']);
    expect(report.intro).toMatch(/^這幾天 OpenAI 的動作密度/);
    const [waves, quick, deep] = report.sections;
    expect(waves!.title).toBe('🌊 今日浪頭');
    expect(waves!.items[0]).toMatchObject({
      title: 'Introducing GPT-5.3-Codex',
      sources: [{ url: 'https://openai.com/index/introducing-gpt-5-3-codex', kind: 'WEB', domain: 'openai.com' }],
    });
    expect(waves!.items[0]!.body).toMatch(/^OpenAI 把 GPT-5.2-Codex/);
    expect(waves!.items[0]!.extra[0]!.label).toBe('為什麼這道浪值得追');
    expect(quick!.items[0]).toMatchObject({ title: 'Introducing OpenAI Frontier' });
    expect(quick!.items[0]!.body).toMatch(/^OpenAI 推出企業級 AI agent 平台/);
    expect(quick!.items.length).toBeGreaterThan(5);
    expect(deep!.items.length).toBeGreaterThan(0);
  });

  it('makes every link of a long essay a source of the item or section holding it', () => {
    const file = '2026-02-15-deep-dive-ai-jobs-crisis-america-not-ready.md';
    const md = readFileSync(join(EAGLE_DIR, file), 'utf8');
    const report = parseDigest(md, { fileName: file });
    const [intro] = report.sections;
    // 引言 is prose with two links; 事件全貌's first H3 cites its evidence inline in paragraphs.
    expect(intro!.sources.map((s) => s.domain)).toEqual(['fortune.com', 'theatlantic.com']);
    const story = report.sections[1]!.items[0]!;
    expect(story.sources.map((s) => s.kind)).toEqual(story.sources.map(() => 'WEB'));
    expect(story.sources[0]!.url).toBe('https://www.cnbc.com/2025/12/21/ai-job-cuts-amazon-microsoft-and-more-cite-ai-for-2025-layoffs.html');
    const stored = [...report.sections.flatMap((s) => s.sources), ...report.sections.flatMap((s) => s.items.flatMap((i) => i.sources))];
    expect(new Set(stored.map((s) => s.url))).toEqual(markdownLinkUrls(md));
  });
});
