import type { Importance } from './model';
import { foldText } from './normalise';

const WORDS: Record<string, Importance> = {
  高: 'HIGH', high: 'HIGH',
  中: 'MEDIUM', medium: 'MEDIUM',
  低: 'LOW', low: 'LOW',
};

/**
 * 高 / High / 高（High） → HIGH. Returns null for a word it does not know, so the caller
 * can raise an error that names the line; an empty text is "no importance given".
 */
export function parseImportance(text: string): Importance | null | 'unknown' {
  const folded = foldText(text).replace(/\*+/g, '').trim();
  if (!folded) return null;
  // "高（High）" and "high (高)": the word before any bracket decides; the bracket must agree.
  const [head, ...rest] = folded.split(/[()]/).map((s) => s.trim()).filter(Boolean);
  const main = head ? WORDS[head] : undefined;
  if (!main) return 'unknown';
  for (const alt of rest) if (WORDS[alt] && WORDS[alt] !== main) return 'unknown';
  return main;
}

export const IMPORTANCE_LABEL: Record<Importance, string> = { HIGH: '高', MEDIUM: '中', LOW: '低' };
