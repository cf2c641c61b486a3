import { badUserInput } from '../../graphql/errors';
import { MAX_TOKEN_LENGTH, tokenise, type Token } from '../../text/fold';
import { quoteLexeme, type SearchDoc } from './search-doc';

/**
 * A reader's query, parsed once and then run three ways that must agree: as a tsquery against
 * the index (search, `items(filter: { query })`), against a parsed document in JS (live search,
 * webhooks) and against a field's tokens (highlights).
 *
 * Syntax: words AND together; `"a quoted phrase"` must appear as written; `-word` or `-"a phrase"`
 * excludes. Each word is a phrase of its own tokens: `GPT-4o` is "gpt" then "4o", and `供應鏈` is
 * the bigrams 供应, 应链 in a row. A one-character Han word matches every bigram it starts (and a
 * lone or run-final character), so 評 finds 評判.
 */

/** One token of a phrase: `offset` positions after the phrase's first token. */
export interface Term {
  text: string;
  /** A one-character Han word: matches any token that starts with it. */
  prefix: boolean;
  offset: number;
}
export type Phrase = readonly Term[];

export interface SearchQuery {
  /** Every one must match. */
  include: readonly Phrase[];
  /** None may match. */
  exclude: readonly Phrase[];
}

export const MAX_QUERY_LENGTH = 500;
const MAX_PHRASES = 32;
const MAX_TERMS = 64;
const TOO_LONG_WORD = new RegExp(`[\\p{L}\\p{N}\\p{M}]{${MAX_TOKEN_LENGTH + 1},}`, 'u');
const QUOTES: Record<string, string> = { '"': '"', '“': '”', '「': '」', '『': '』' };

/**
 * A phrase from text's tokens. A Han run's `tail` token (its last character) is left out: the
 * run's last bigram already holds it, and in the text that character may continue the run. It
 * still takes its position, so what follows keeps its distance.
 */
function phraseOf(text: string): Term[] {
  const kept = tokenise(text).filter((t) => t.kind !== 'tail');
  const first = kept[0]?.position ?? 0;
  return kept.map((t) => ({ text: t.text, prefix: t.kind === 'single', offset: t.position - first }));
}

/** Parses a reader's query; a query that cannot search anything is BAD_USER_INPUT naming `argument`. */
export function parseSearchQuery(input: string, argument = 'query'): SearchQuery {
  if (input.length > MAX_QUERY_LENGTH) throw badUserInput(argument, `must be at most ${MAX_QUERY_LENGTH} characters`, { max: MAX_QUERY_LENGTH });
  // NFKC for the syntax too: a full-width minus or quote means what its ASCII form does.
  const s = input.normalize('NFKC');
  const include: Term[][] = [];
  const exclude: Term[][] = [];
  let i = 0;
  while (i < s.length) {
    if (/\s/.test(s[i]!)) {
      i++;
      continue;
    }
    const negate = s[i] === '-' && i + 1 < s.length && !/\s/.test(s[i + 1]!);
    if (negate) i++;
    let text: string;
    const close = QUOTES[s[i]!];
    if (close) {
      const end = s.indexOf(close, i + 1);
      text = s.slice(i + 1, end < 0 ? s.length : end);
      i = end < 0 ? s.length : end + 1;
    } else {
      let end = i;
      while (end < s.length && !/\s/.test(s[end]!) && !QUOTES[s[end]!]) end++;
      text = s.slice(i, end);
      i = end;
    }
    const phrase = phraseOf(text);
    if (phrase.length) (negate ? exclude : include).push(phrase);
  }
  if (include.length === 0) {
    // Words longer than the index keeps (hashes, a key held down) are not searchable: say so, not "no word".
    if (TOO_LONG_WORD.test(s)) throw badUserInput(argument, `has no word to search for: words longer than ${MAX_TOKEN_LENGTH} characters are not indexed`, { max: MAX_TOKEN_LENGTH });
    throw badUserInput(argument, input.trim() ? 'has no word or character to search for (only punctuation or exclusions)' : 'must not be empty');
  }
  if (include.length + exclude.length > MAX_PHRASES) throw badUserInput(argument, `must have at most ${MAX_PHRASES} words or phrases`, { max: MAX_PHRASES });
  if ([...include, ...exclude].flat().length > MAX_TERMS) throw badUserInput(argument, `is too long: at most ${MAX_TERMS} search tokens`, { max: MAX_TERMS });
  return { include, exclude };
}

const termSql = (t: Term): string => `${quoteLexeme(t.text)}${t.prefix ? ':*' : ''}`;

function phraseSql(p: Phrase): string {
  let out = termSql(p[0]!);
  for (let k = 1; k < p.length; k++) out = `(${out} <${p[k]!.offset - p[k - 1]!.offset}> ${termSql(p[k]!)})`;
  return out;
}

/** The query as a tsquery literal (cast with `::tsquery`; no parser runs on it). */
export function toTsquery(q: SearchQuery): string {
  return [...q.include.map(phraseSql), ...q.exclude.map((p) => `!${phraseSql(p)}`)].join(' & ');
}

function positionsOf(doc: SearchDoc, t: Term): Set<number> {
  if (!t.prefix) return new Set(doc.get(t.text) ?? []);
  const out = new Set<number>();
  for (const [lexeme, positions] of doc) if (lexeme.startsWith(t.text)) for (const p of positions) out.add(p);
  return out;
}

/** Postgres's phrase semantics: the terms at exactly their offsets from some first position. */
function phraseInDoc(doc: SearchDoc, p: Phrase): boolean {
  const sets = p.map((t) => positionsOf(doc, t));
  for (const start of sets[0]!) if (p.every((t, k) => sets[k]!.has(start + t.offset))) return true;
  return false;
}

/** Whether a document matches the query: what `search @@ query` answers in SQL. */
export function matchesDoc(q: SearchQuery, doc: SearchDoc): boolean {
  return q.include.every((p) => phraseInDoc(doc, p)) && !q.exclude.some((p) => phraseInDoc(doc, p));
}

/** Where a query's phrases occur in one text's tokens: [start, end) ranges into that text, merged. */
export function matchRanges(q: SearchQuery, tokens: readonly Token[]): [number, number][] {
  const at = new Map(tokens.map((t) => [t.position, t]));
  const hits = (t: Term, tok: Token | undefined): boolean => !!tok && (t.prefix ? tok.text.startsWith(t.text) : tok.text === t.text);
  const ranges: [number, number][] = [];
  for (const p of q.include) {
    for (const tok of tokens) {
      if (!hits(p[0]!, tok)) continue;
      const matched = p.map((t) => at.get(tok.position + t.offset));
      if (!p.every((t, k) => hits(t, matched[k]))) continue;
      const ends = matched.map((m, k) => (p[k]!.prefix ? m!.headEnd : m!.end));
      ranges.push([tok.start, Math.max(...ends)]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}
