import { extractLinks, type LinkDefinitions } from './links';
import type { Source } from './model';

const ARXIV_ID = /^(?:arxiv:\s*)?((?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?\/\d{7})(?:v\d+)?)$/i;
const ARXIV_URL = /^https?:\/\/(?:www\.)?arxiv\.org\/(?:abs|pdf)\/(.+?)(?:\.pdf)?\/?$/i;

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

/** The fields of an item that hold Markdown, in reading order. */
export function itemTexts(item: {
  title: string;
  body?: string | null;
  summary?: string | null;
  details?: string | null;
  applications?: string | null;
  extra: readonly { text: string }[];
}): string[] {
  return [item.title, item.body, item.summary, item.details, item.applications, ...item.extra.map((e) => e.text)].filter(
    (t): t is string => typeof t === 'string' && t !== '',
  );
}

/** Every link of these texts as a source input (label, target as written), in order. */
export function linkSourceInputs(texts: readonly string[], definitions?: LinkDefinitions): { label: string; ref: string }[] {
  return texts.flatMap((t) => extractLinks(t, definitions)).map((l) => ({ label: l.label || l.target, ref: l.target }));
}

/**
 * Source inputs with each target once (the first wins), so an item citing one URL in every
 * paragraph does not run into the per-item source limit before duplicates are collapsed.
 */
export function uniqueTargets<T extends { ref: string }>(sources: readonly T[]): T[] {
  const seen = new Set<string>();
  return sources.filter((s) => !seen.has(s.ref) && seen.add(s.ref));
}

/**
 * The first source for a URL wins (the seed lists one TechCrunch URL twice as 報導1 / 報導2; a
 * link in an item's text repeats one of its listed sources). Placeholders collapse by target.
 */
export function dedupeSources(sources: Source[]): Source[] {
  const seen = new Set<string>();
  return sources.filter((s) => {
    const key = s.url ?? (s.ref ? `ref:${s.ref}` : null);
    if (key === null) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
