import type { Source } from './model';

const ARXIV_ID = /^(?:arxiv:\s*)?((?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?\/\d{7})(?:v\d+)?)$/i;
const ARXIV_URL = /^https?:\/\/(?:www\.)?arxiv\.org\/(?:abs|pdf)\/(.+?)(?:\.pdf)?\/?$/i;
const MD_LINK = /\[((?:[^[\]]|\[[^\]]*\])*)\]\(\s*(<[^>]*>|[^()\s]*(?:\([^()]*\)[^()\s]*)*)(?:\s+"[^"]*")?\s*\)/g;

/**
 * Classifies one link target. `ref` is the target exactly as written (kept so the renderer can
 * write it back); `url` is a real, absolute URL or null: a placeholder never becomes a made-up URL.
 */
export function classifySource(label: string, ref: string | null): Source {
  const target = ref?.trim() ?? '';
  const arxivUrl = ARXIV_URL.exec(target);
  const explicitArxiv = /^arxiv:/i.test(target);
  const bareArxiv = ARXIV_ID.test(target) && /arxiv/i.test(label);
  if (arxivUrl || explicitArxiv || bareArxiv) {
    const id = arxivUrl ? arxivUrl[1]! : ARXIV_ID.exec(target)?.[1];
    if (id) {
      return { label, url: `https://arxiv.org/abs/${id}`, kind: 'ARXIV', domain: 'arxiv.org', ref: target };
    }
  }
  if (/^https?:\/\//i.test(target)) {
    try {
      const parsed = new URL(target);
      return { label, url: parsed.href, kind: 'WEB', domain: parsed.hostname.replace(/^www\./, ''), ref: target };
    } catch {
      // An http-looking target that URL cannot parse is kept, unresolved, rather than dropped.
    }
  }
  return { label, url: null, kind: 'UNRESOLVED', domain: null, ref: target || null };
}

/** Every Markdown link in a text, in order, with its line offset inside the text. */
export function extractLinks(text: string): { label: string; target: string; lineOffset: number }[] {
  const links: { label: string; target: string; lineOffset: number }[] = [];
  for (const m of text.matchAll(MD_LINK)) {
    const rawTarget = m[2]!.replace(/^<|>$/g, '');
    const lineOffset = text.slice(0, m.index).split('\n').length - 1;
    links.push({ label: m[1]!.trim(), target: rawTarget, lineOffset });
  }
  return links;
}

/** Sources from Markdown text: every link, classified, duplicates of one URL collapsed. */
export function sourcesFromMarkdown(text: string): Source[] {
  return dedupeSources(extractLinks(text).map((l) => classifySource(l.label || l.target, l.target)));
}

/** The first source for a URL wins (the seed lists one TechCrunch URL twice as 報導1 / 報導2). */
export function dedupeSources(sources: Source[]): Source[] {
  const seen = new Set<string>();
  return sources.filter((s) => {
    if (s.url === null) return true;
    if (seen.has(s.url)) return false;
    seen.add(s.url);
    return true;
  });
}
