import { foldText } from '../ingest/normalise';

/**
 * The key a tag is stored, filtered and matched by: case- and width-folded (`foldText`), trimmed.
 * The one rule for tags everywhere (publishing, report and item filters, ingest's tag matching).
 * Entity keys have theirs in `normaliseKey` (inner whitespace collapsed as well).
 */
export const tagKey = (tag: string): string => foldText(tag).trim();

/**
 * The one text folding for search, on both sides: the index built at publish time, the query a
 * reader types, and the live-search matcher. Folding is the ingest `foldText` (NFKC, lower case:
 * what tag and entity keys use) followed by Traditional→Simplified, character by character.
 *
 * Character by character, not phrase by phrase: a character then always folds the same way
 * whatever surrounds it, so a one-character query and the text it occurs in agree, and the
 * folded text keeps a known origin for every character (highlights are ranges into the original).
 */

/** OpenCC's dictionaries: groups of `"from to|from to|…"` strings (only the Traditional→Simplified build is loaded). */
interface OpenCCLocale {
  from: Record<string, readonly (readonly unknown[])[]>;
  to: Record<string, readonly (readonly unknown[])[]>;
}
// opencc-js ships as an ES module whose types TypeScript will not import from CommonJS; require()
// loads its UMD build, the same API.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const OpenCC = require('opencc-js/t2cn') as { Locale: OpenCCLocale };

/** Every Traditional (and Taiwan/Hong Kong variant) character OpenCC knows, to its Simplified form. */
const HAN_FOLD: ReadonlyMap<string, string> = (() => {
  const pairs = (dict: unknown): [string, string][] =>
    typeof dict === 'string' ? dict.split('|').map((p) => p.split(' ') as [string, string]).filter(([k, v]) => !!k && !!v) : [];
  const variants = new Map([...pairs(OpenCC.Locale.from.tw?.[0]?.[1]), ...pairs(OpenCC.Locale.from.hk?.[0]?.[1])]);
  const toSimplified = new Map(pairs(OpenCC.Locale.to.cn?.[0]?.[1]));
  const map = new Map<string, string>();
  for (const c of new Set([...variants.keys(), ...toSimplified.keys()])) {
    let v = variants.get(c) ?? c;
    // To a fixed point: folding folded text must change nothing, or a query and its text could differ.
    for (let i = 0; i < 4 && toSimplified.has(v); i++) v = toSimplified.get(v)!;
    if (v !== c) map.set(c, v);
  }
  // A dictionary layout opencc-js no longer has must fail loudly, not make search Traditional-blind.
  if (map.size < 2000) throw new Error(`opencc-js gave ${map.size} Traditional→Simplified characters; its dictionary layout changed`);
  return map;
})();

const NON_ASCII = /[^\x00-\x7f]/; // eslint-disable-line no-control-regex

/** Folds a string for search: NFKC, lower case, Traditional→Simplified. */
export function foldForSearch(text: string): string {
  return foldCluster(text);
}

function foldCluster(text: string): string {
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  let out = '';
  for (const c of foldText(text)) out += HAN_FOLD.get(c) ?? c;
  return out;
}

/** A base character with its combining marks: NFKC composes within it, so it folds as a unit. */
const CLUSTER = /\P{M}\p{M}*|\p{M}+/gu;

/** Scripts written without spaces between words: indexed as overlapping character bigrams. */
const BIGRAM_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
const DIGIT = /\p{Nd}/u;
/** Longer "words" (hashes, base64) are not worth indexing; they still take their position. */
export const MAX_TOKEN_LENGTH = 64;

export type TokenKind =
  /** A whole Latin (or other spaced script) word or number: "opus", "4.5", "gpt". */
  | 'word'
  /** Two adjacent characters of a Han run: 供应链 → 供应, 应链. */
  | 'bigram'
  /** A Han run of one character: it is indexed alone. */
  | 'single'
  /** The last character of a Han run of two or more, so a one-character query finds it there too. */
  | 'tail';

export interface Token {
  /** The folded text: what the index stores and queries compare. */
  text: string;
  kind: TokenKind;
  /** 0-based, consecutive within the text; phrase queries compare positions. */
  position: number;
  /** UTF-16 offsets into the original (unfolded) text. */
  start: number;
  end: number;
  /** Where the token's first character ends in the original: a one-character query matching a bigram highlights only that. */
  headEnd: number;
}

interface FoldedChar {
  c: string;
  start: number;
  end: number;
}

function foldedChars(text: string): FoldedChar[] {
  const out: FoldedChar[] = [];
  for (const m of text.matchAll(CLUSTER)) {
    const start = m.index;
    const end = start + m[0].length;
    for (const c of foldCluster(m[0])) out.push({ c, start, end });
  }
  return out;
}

/**
 * Splits text into search tokens, folded, with their origin in the original text.
 * - Han (and kana) runs: overlapping bigrams, plus the run's last character as a `tail` token
 *   (a one-character run is a `single`), so every character starts some token.
 * - Other letters and digits: whole words. A `.` or `,` between two digits stays inside the
 *   number ("4.5", "1,000", arXiv "2405.17838"); everything else (spaces, punctuation, `-`, `/`)
 *   separates words: "GPT-4o" is "gpt", "4o" at adjacent positions, so it is still found as a phrase.
 */
export function tokenise(text: string): Token[] {
  const chars = foldedChars(text);
  const tokens: Token[] = [];
  let position = 0;
  const push = (from: number, to: number, kind: TokenKind): void => {
    const t = chars.slice(from, to).map((x) => x.c).join('');
    if ([...t].length <= MAX_TOKEN_LENGTH) tokens.push({ text: t, kind, position, start: chars[from]!.start, end: chars[to - 1]!.end, headEnd: chars[from]!.end });
    position++;
  };
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!.c;
    if (BIGRAM_SCRIPT.test(c)) {
      let j = i + 1;
      while (j < chars.length && BIGRAM_SCRIPT.test(chars[j]!.c)) j++;
      if (j - i === 1) push(i, j, 'single');
      else {
        for (let k = i; k + 1 < j; k++) push(k, k + 2, 'bigram');
        push(j - 1, j, 'tail');
      }
      i = j;
    } else if (WORD_CHAR.test(c)) {
      let j = i + 1;
      while (j < chars.length) {
        const d = chars[j]!.c;
        if (WORD_CHAR.test(d) && !BIGRAM_SCRIPT.test(d)) j++;
        else if ((d === '.' || d === ',') && DIGIT.test(chars[j - 1]!.c) && j + 1 < chars.length && DIGIT.test(chars[j + 1]!.c)) j += 2;
        else break;
      }
      push(i, j, 'word');
      i = j;
    } else i++;
  }
  return tokens;
}
