import { foldText } from './normalise';

export type ItemField = 'summary' | 'details' | 'applications' | 'entities' | 'importance' | 'sources';
export type KnownLabel = ItemField | 'watchlist';

/** Every spelling generators use, in Traditional and Simplified Chinese and English. */
const LABELS: Record<KnownLabel, string[]> = {
  summary: ['核心摘要', '摘要', 'Summary', 'Core Summary'],
  details: ['技術細節', '技术细节', 'Technical Details', 'Details'],
  applications: ['應用場景', '应用场景', 'Use Cases', 'Applications', 'Application Scenarios'],
  entities: ['關鍵實體', '关键实体', 'Key Entities', 'Entities'],
  importance: ['重要性', 'Importance'],
  sources: ['來源', '来源', 'Sources', 'Source'],
  watchlist: ['關注清單', '关注清单', 'Watchlist', 'Watch List'],
};

const labelKey = (label: string): string => foldText(label).replace(/\s+/g, '');
const BY_KEY = new Map<string, KnownLabel>(
  Object.entries(LABELS).flatMap(([field, spellings]) => spellings.map((s) => [labelKey(s), field as KnownLabel])),
);

export function knownLabel(label: string): KnownLabel | null {
  return BY_KEY.get(labelKey(label)) ?? null;
}

/** The label the renderer writes for each field (the seed's own spelling). */
export const CANONICAL_LABEL: Record<KnownLabel, string> = {
  summary: '核心摘要',
  details: '技術細節',
  applications: '應用場景',
  entities: '關鍵實體',
  importance: '重要性',
  sources: '來源',
  watchlist: '關注清單',
};

export interface LabelLine {
  label: string;
  /** Text after the label on the same line, if any. */
  rest: string;
}

const LABEL_LINE = /^\*\*([^*[\]\n]{1,60}?)\*\*(.*)$/;

/**
 * `**核心摘要**`, `**關鍵實體**：a, b`, `**Importance:** High`, `**為什麼值得追：**`.
 * A bold phrase that runs into a sentence (`**Bold** words`) is not a label.
 */
export function parseLabelLine(line: string): LabelLine | null {
  const m = LABEL_LINE.exec(line.trim());
  if (!m) return null;
  let label = m[1]!.trim();
  let rest = m[2]!;
  const colonInside = /[:：]$/.test(label);
  if (colonInside) label = label.replace(/[:：]+$/, '').trim();
  const colonAfter = /^\s*[:：]/.test(rest);
  if (colonAfter) rest = rest.replace(/^\s*[:：]/, '');
  rest = rest.trim();
  if (!label) return null;
  if (!colonInside && !colonAfter && rest !== '') return null;
  return { label, rest };
}
