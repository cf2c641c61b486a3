/**
 * The link URLs of a Markdown file, read without the ingestion code, so tests can hold the parser
 * to them: inline links (balanced parentheses in the target), autolinks, and references with
 * their definitions; nothing inside front matter or code. Targets become URLs the way the README
 * says sources do: http(s) as the WHATWG URL parser writes them, arXiv ids as
 * https://arxiv.org/abs/<id>; placeholders such as `(1)` and relative paths name no URL.
 */
export function markdownLinkUrls(markdown: string): Set<string> {
  const text = proseOnly(markdown);
  const links: { label: string; target: string }[] = [];
  const definitions = new Map<string, string>();
  const key = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();
  for (const line of text.split('\n')) {
    const def = /^\s{0,3}\[([^\]]+)\]:\s*<?([^\s>]+)>?/.exec(line);
    if (def && !definitions.has(key(def[1]!))) definitions.set(key(def[1]!), def[2]!);
  }
  // Walks the text once: at each "[", an inline link, a reference, or nothing.
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) {
    const close = matching(text, i, '[', ']');
    if (close === -1) continue;
    const label = text.slice(i + 1, close);
    if (text[close + 1] === '(') {
      const end = matching(text, close + 1, '(', ')');
      if (end === -1) continue;
      const target = text.slice(close + 2, end).trim().split(/\s+/)[0]!.replace(/^<|>$/g, '');
      links.push({ label, target });
      i = end;
    } else if (text[close + 1] === '[') {
      const end = text.indexOf(']', close + 2);
      const ref = text.slice(close + 2, end) || label;
      const target = end === -1 ? undefined : definitions.get(key(ref));
      if (target) links.push({ label, target });
      if (end !== -1) i = end;
    } else if (text[close + 1] !== ':') {
      const target = definitions.get(key(label));
      if (target) links.push({ label, target });
    }
  }
  for (const m of text.matchAll(/<([a-zA-Z][\w+.-]+:[^\s<>]+)>/g)) links.push({ label: m[1]!, target: m[1]! });
  const urls = new Set<string>();
  for (const l of links) {
    const url = canonical(l.label, l.target);
    if (url) urls.add(url);
  }
  return urls;
}

function matching(text: string, at: number, open: string, close: string): number {
  let depth = 0;
  for (let j = at; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === open) depth++;
    else if (text[j] === close && --depth === 0) return j;
    else if (text[j] === '\n' && text[j + 1] === '\n') return -1;
  }
  return -1;
}

function canonical(label: string, target: string): string | null {
  const arxivId = /^(?:arxiv:\s*)?(\d{4}\.\d{4,5}(?:v\d+)?)$/i.exec(target);
  if (arxivId && (/^arxiv:/i.test(target) || /arxiv/i.test(label))) return `https://arxiv.org/abs/${arxivId[1]}`;
  const arxivUrl = /^https?:\/\/(?:www\.)?arxiv\.org\/(?:abs|pdf)\/(.+?)(?:\.pdf)?\/?$/i.exec(target);
  if (arxivUrl) return `https://arxiv.org/abs/${arxivUrl[1]}`;
  if (!/^https?:\/\//i.test(target)) return null;
  try {
    return new URL(target).href;
  } catch {
    return null;
  }
}

/** Front matter and code replaced by blank lines; line numbers stay as they were. */
function proseOnly(markdown: string): string {
  const lines = markdown.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  let inFrontMatter = lines[0]?.trim() === '---';
  let fence = '';
  return lines
    .map((line, n) => {
      if (inFrontMatter) {
        if (n > 0 && line.trim() === '---') inFrontMatter = false;
        return '';
      }
      const f = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence) {
        if (f && f[0] === fence[0] && f.length >= fence.length) fence = '';
        return '';
      }
      if (f) {
        fence = f;
        return '';
      }
      return line.replace(/(`+)[^`]+?\1/g, '');
    })
    .join('\n');
}
