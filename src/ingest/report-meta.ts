import { knownLabel, parseLabelLine } from './labels';
import type { Line } from './outline';

const STATS = /^\*?\s*(?:資料來源|资料来源|Sources?)\s*[:：]\s*([\d,]+)\s*(?:篇文章|篇|articles?)\s*[|｜]\s*(?:分析主題|分析主题|Topics?(?:\s+analy[sz]ed)?)\s*[:：]\s*([\d,]+)\s*(?:個|个|topics?)?\s*\*?\s*$/i;
const WINDOW = /^\*?\s*(?:資料收集時間|资料收集时间|Collection(?:\s+window)?)\s*[:：]\s*(.+?)\s*[|｜]\s*(?:報告生成時間|报告生成时间|Generated(?:\s+at)?)\s*[:：]\s*(.+?)\s*\*?\s*$/i;

export interface Footer {
  stats: { articleCount: number; topicCount: number } | null;
  collectionWindow: string | null;
  generatedAt: string | null;
}

/** Takes the footer lines (`*資料來源：254 篇文章 | 分析主題：30 個*` and the time line) out of the text. */
export function takeFooter(lines: Line[]): { footer: Footer; rest: Line[] } {
  const footer: Footer = { stats: null, collectionWindow: null, generatedAt: null };
  const rest = lines.filter((l) => {
    const s = STATS.exec(l.text);
    if (s) {
      footer.stats = { articleCount: toInt(s[1]!), topicCount: toInt(s[2]!) };
      return false;
    }
    const w = WINDOW.exec(l.text);
    if (w) {
      footer.collectionWindow = w[1]!;
      footer.generatedAt = w[2]!;
      return false;
    }
    return true;
  });
  return { footer, rest };
}

const toInt = (s: string): number => Number.parseInt(s.replace(/,/g, ''), 10);

const KEYWORD_HEADINGS = new Set(['本日關鍵詞', '本日关键词', '今日關鍵詞', '今日关键词', 'keywords', "today's keywords"]);

export function isKeywordHeading(heading: string): boolean {
  return KEYWORD_HEADINGS.has(heading.normalize('NFKC').trim().toLowerCase());
}

/** The backticked words under a keywords heading (`LLM-as-a-Judge` `RLHF` …). */
export function keywordsFrom(lines: Line[]): string[] {
  const text = lines.map((l) => l.text).join('\n');
  const ticked = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!.trim()).filter(Boolean);
  if (ticked.length > 0) return ticked;
  return text.split(/[,，、;；\n]/).map((s) => s.replace(/^\s*[-*+]\s+/, '').trim()).filter(Boolean);
}

const LIST_ENTRY = /^\s*(?:\d+[.)、]|[-*+])\s+(.*)$/;

/** The numbered list after a `**關注清單**` label. */
export function watchlistFrom(lines: Line[]): string[] {
  const start = lines.findIndex((l) => {
    const label = parseLabelLine(l.text);
    return label !== null && knownLabel(label.label) === 'watchlist';
  });
  if (start === -1) return [];
  const entries: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = LIST_ENTRY.exec(line.text);
    if (m) entries.push(m[1]!.trim());
    else if (line.text.trim() === '') continue;
    else if (/^\s+\S/.test(line.text) && entries.length > 0) entries[entries.length - 1] += ` ${line.text.trim()}`;
    else break;
  }
  return entries;
}
