/**
 * The Markdown links of a text, as CommonMark reads them: inline `[label](target)`, reference
 * `[label][ref]` / `[label][]` / `[ref]` (resolved through `[ref]: target` definitions) and
 * autolinks `<https://…>`. Links inside code (fenced blocks and code spans) are text, not links.
 */
export interface MarkdownLink {
  label: string;
  target: string;
}

/** Reference definitions by normalised label (CommonMark: case-folded, whitespace collapsed). */
export type LinkDefinitions = ReadonlyMap<string, string>;

// A label may hold one level of brackets (`[![img](src)](href)`); `\[[^[\]]*\]` never runs past
// another "[", so a line of thousands of "[" costs linear time, not quadratic.
const INLINE = /\[((?:[^[\]]|\[[^[\]]*\])*)\]\(\s*(<[^<>\n]*>|[^()\s]*(?:\([^()]*\)[^()\s]*)*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/gi;
const FULL_REFERENCE = /\[((?:[^[\]]|\[[^[\]]*\])*)\]\[([^\]]*)\]/g;
const SHORTCUT_REFERENCE = /\[([^[\]]+)\](?![[(:])/g;
const DEFINITION = /^ {0,3}\[([^\]\n]+)\]:[ \t]*(<[^<>\n]*>|\S+)(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^)]*\)))?[ \t]*$/gm;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

const normaliseLabel = (label: string): string => label.trim().replace(/\s+/g, ' ').toLowerCase();
const unbracket = (target: string): string => target.replace(/^<([\s\S]*)>$/, '$1');
/** Same length, same line breaks: matches keep their positions in the original text. */
const blank = (s: string): string => s.replace(/[^\n]/g, ' ');

/** The text with code (fenced blocks, code spans) blanked out. */
function withoutCode(text: string): string {
  let fence: string | null = null;
  const lines = text.split('\n').map((line) => {
    const f = FENCE.exec(line);
    if (fence !== null) {
      if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length) fence = null;
      return blank(line);
    }
    if (f) {
      fence = f[1]!;
      return blank(line);
    }
    return line;
  });
  return blankCodeSpans(lines.join('\n'));
}

/**
 * A code span runs from a run of backticks to the next run of the same length (CommonMark). Found
 * in one pass over the runs, keeping a position per run length, so hostile input (runs of every
 * length, never closed) stays linear where a backreferencing regex is quadratic.
 */
function blankCodeSpans(text: string): string {
  const runs = [...text.matchAll(/`+/g)].map((m) => ({ at: m.index, len: m[0].length }));
  const byLength = new Map<number, number[]>();
  for (const [i, r] of runs.entries()) {
    const list = byLength.get(r.len);
    if (list) list.push(i);
    else byLength.set(r.len, [i]);
  }
  const cursor = new Map<number, number>();
  let out = '';
  let copied = 0;
  for (let i = 0; i < runs.length; ) {
    const open = runs[i]!;
    const same = byLength.get(open.len)!;
    let p = cursor.get(open.len) ?? 0;
    while (p < same.length && same[p]! <= i) p++;
    cursor.set(open.len, p);
    if (p === same.length) {
      i++;
      continue;
    }
    const close = runs[same[p]!]!;
    out += text.slice(copied, open.at) + blank(text.slice(open.at, close.at + close.len));
    copied = close.at + close.len;
    i = same[p]! + 1;
  }
  return out + text.slice(copied);
}

/** `[ref]: target` lines of a text (outside code); the first definition of a label wins. */
export function linkDefinitions(text: string): LinkDefinitions {
  const defs = new Map<string, string>();
  for (const m of withoutCode(text).matchAll(DEFINITION)) {
    const key = normaliseLabel(m[1]!);
    if (key && !defs.has(key)) defs.set(key, unbracket(m[2]!));
  }
  return defs;
}

/**
 * Every link of a text, in the order it appears. References resolve through the text's own
 * definitions and then `outer` (a digest's definitions apply in every block of it).
 */
export function extractLinks(text: string, outer: LinkDefinitions = new Map()): MarkdownLink[] {
  let rest = withoutCode(text);
  const own = linkDefinitions(text);
  const resolve = (label: string): string | undefined => own.get(normaliseLabel(label)) ?? outer.get(normaliseLabel(label));
  const found: { at: number; link: MarkdownLink }[] = [];
  // Each kind of link is blanked once read, so a later pattern never reads it again.
  const take = (re: RegExp, read: (m: RegExpMatchArray) => MarkdownLink | null): void => {
    const pieces: string[] = [];
    let copied = 0;
    for (const m of rest.matchAll(re)) {
      const link = read(m);
      if (!link) continue;
      found.push({ at: m.index, link });
      pieces.push(rest.slice(copied, m.index), blank(m[0]));
      copied = m.index + m[0].length;
    }
    rest = pieces.join('') + rest.slice(copied);
  };
  take(INLINE, (m) => ({ label: m[1]!.trim(), target: unbracket(m[2]!) }));
  take(AUTOLINK, (m) => ({ label: m[1]!, target: m[1]! }));
  rest = rest.replace(DEFINITION, blank);
  take(FULL_REFERENCE, (m) => {
    const target = resolve(m[2] || m[1]!);
    return target === undefined ? null : { label: m[1]!.trim(), target };
  });
  take(SHORTCUT_REFERENCE, (m) => {
    const target = resolve(m[1]!);
    return target === undefined ? null : { label: m[1]!.trim(), target };
  });
  return found.sort((a, b) => a.at - b.at).map((f) => f.link);
}
