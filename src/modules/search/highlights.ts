import { tokenise } from '../../text/fold';
import { matchRanges, type SearchQuery } from './search-query';

export interface Highlight {
  field: string;
  snippet: string;
  matches: { start: number; length: number }[];
}

/**
 * At most this many highlights per hit (in field order: title first) and matched ranges per
 * highlight: the lists the query cost counts (src/server/limits.ts) have a bound, so a page of 100
 * hits with their highlights fits the cost limit whatever the texts hold.
 */
export const MAX_HIGHLIGHTS = 10;
export const MAX_MATCHES = 8;

/** Snippets longer than this are cut around the first match. */
const SNIPPET = 200;
const BEFORE = 60;
const ELLIPSIS = '…';

/** Moves an index off the second half of a surrogate pair. */
const unsplit = (s: string, i: number): number => (i > 0 && i < s.length && /[\udc00-\udfff]/.test(s[i]!) ? i - 1 : i);

/**
 * Where the query matched in each text, computed on the original text (folding only decides
 * what matches): ranges point at the characters the reader wrote, Traditional or Simplified.
 */
export function highlightsOf(q: SearchQuery, texts: readonly (readonly [field: string, text: string | null])[]): Highlight[] {
  const out: Highlight[] = [];
  for (const [field, text] of texts) {
    if (out.length === MAX_HIGHLIGHTS) break;
    if (!text) continue;
    const ranges = matchRanges(q, tokenise(text));
    if (ranges.length === 0) continue;
    let from = 0;
    let to = text.length;
    if (text.length > SNIPPET) {
      from = unsplit(text, Math.max(0, ranges[0]![0] - BEFORE));
      to = unsplit(text, Math.min(text.length, from + SNIPPET));
      // The first match is whole even when it is longer than the window.
      if (to < ranges[0]![1]) to = ranges[0]![1];
    }
    const lead = from > 0 ? ELLIPSIS : '';
    const snippet = lead + text.slice(from, to) + (to < text.length ? ELLIPSIS : '');
    const matches = ranges
      .filter(([s, e]) => s >= from && e <= to)
      .slice(0, MAX_MATCHES)
      .map(([s, e]) => ({ start: s - from + lead.length, length: e - s }));
    out.push({ field, snippet, matches });
  }
  return out;
}
