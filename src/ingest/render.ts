import { stringify } from 'yaml';
import { IMPORTANCE_LABEL } from './importance';
import { CANONICAL_LABEL } from './labels';
import type { Item, Report, Section, Source } from './model';

/**
 * `Report` → Markdown in the seed's layout (Hugo front matter, labelled blocks, footer).
 * Parsing the result gives the same `Report` back; feeds and webhooks reuse it.
 */
export function renderDigest(report: Report): string {
  const parts: string[] = [frontMatter(report)];
  if (report.intro) parts.push(report.intro);
  for (const section of report.sections) parts.push(renderSection(section));
  const footer = renderFooter(report);
  if (footer) parts.push(footer);
  return `${parts.join('\n\n---\n\n')}\n`;
}

function frontMatter(r: Report): string {
  const data: Record<string, unknown> = { title: r.title, date: r.date, slug: r.slug, draft: r.draft };
  if (r.tags.length) data.tags = r.tags;
  if (r.description) data.description = r.description;
  if (r.summary) data.summary = r.summary;
  if (r.cover) {
    data.cover = Object.fromEntries(
      Object.entries({ image: r.cover.image, alt: r.cover.alt, relative: r.cover.relative }).filter(([, v]) => v !== null),
    );
  }
  return `---\n${stringify(data, { lineWidth: 0 }).trimEnd()}\n---`;
}

function renderSection(s: Section): string {
  const heading = s.titleEn ? `## ${s.title}（${s.titleEn}）` : `## ${s.title}`;
  const blocks = [heading];
  if (s.body) blocks.push(s.body);
  const items = s.items.map(renderItem);
  return [blocks.join('\n\n'), ...items].join('\n\n---\n\n');
}

const link = (s: Source): string => `[${s.label}](${s.ref ?? s.url ?? ''})`;

export function renderItem(item: Item): string {
  const out = [`### ${item.title}`];
  if (item.body) out.push(item.body);
  const block = (label: string, text: string): string => (text ? `**${label}**\n${text}` : `**${label}**`);
  if (item.summary) out.push(block(CANONICAL_LABEL.summary, item.summary));
  if (item.details) out.push(block(CANONICAL_LABEL.details, item.details));
  if (item.applications) out.push(block(CANONICAL_LABEL.applications, item.applications));
  for (const extra of item.extra) out.push(block(extra.label, extra.text));
  const tail: string[] = [];
  if (item.entities.length) tail.push(`**${CANONICAL_LABEL.entities}**：${item.entities.map((e) => e.name).join(', ')}`);
  if (item.importance) tail.push(`**${CANONICAL_LABEL.importance}**：${IMPORTANCE_LABEL[item.importance]}`);
  if (item.sources.length) tail.push(`**${CANONICAL_LABEL.sources}**： ${item.sources.map(link).join(' | ')}`);
  if (tail.length) out.push(tail.join('\n'));
  return out.join('\n\n');
}

function renderFooter(r: Report): string | null {
  const lines: string[] = [];
  if (r.stats) lines.push(`*資料來源：${r.stats.articleCount} 篇文章 | 分析主題：${r.stats.topicCount} 個*`);
  if (r.collectionWindow && r.generatedAt) lines.push(`*資料收集時間：${r.collectionWindow} | 報告生成時間：${r.generatedAt}*`);
  return lines.length ? lines.join('\n') : null;
}
