import { extractLinks } from './links';
import { firstInStrings, type InputProblem } from './text-safety';

/**
 * Schemes a digest's links and cover may use. Frontends put these URLs in `href` and `src`, so a
 * `javascript:` or `data:` target is refused at ingest rather than served; `arxiv:` is the digest
 * format's own way to cite a paper (stored as https://arxiv.org/abs/…). No scheme: a relative path.
 */
const ALLOWED_SCHEMES = new Set(['http', 'https', 'arxiv']);

/**
 * The scheme a browser would see in a target, or null for a relative reference. Read as browsers
 * and Markdown renderers read it: entities and backslash escapes decoded, tabs and line breaks
 * removed, leading control characters and spaces dropped (`java&#x73;cript:` is `javascript:`).
 */
export function linkScheme(target: string): string | null {
  const seen = target
    .replace(/&#x([0-9a-f]+);?/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16) % 0x110000))
    .replace(/&#(\d+);?/g, (_m, dec: string) => String.fromCodePoint(Number(dec) % 0x110000))
    .replace(/&(colon|tab|newline);/gi, (_m, name: string) => ({ colon: ':', tab: '\t', newline: '\n' })[name.toLowerCase()]!)
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/[\t\n\r]/g, '')
    // eslint-disable-next-line no-control-regex -- browsers drop leading C0 controls and spaces
    .replace(/^[\u0000-\u0020]+/, '');
  return /^([a-z][a-z0-9+.-]*):/i.exec(seen)?.[1]!.toLowerCase() ?? null;
}

/** Why a link or image target may not be stored, or null when it may. */
export function unsafeTargetReason(target: string, what = 'link target'): string | null {
  const scheme = linkScheme(target);
  if (scheme === null || ALLOWED_SCHEMES.has(scheme)) return null;
  const shown = target.length > 80 ? `${target.slice(0, 80)}…` : target;
  return `${what} "${shown}" uses the ${scheme}: scheme; only https:, http: and relative paths are allowed`;
}

/**
 * The first unsafe target in a report: the cover image and each source's target are targets
 * themselves; every other string is Markdown, read for its links.
 */
export function firstUnsafeLink(value: unknown): InputProblem | null {
  return firstInStrings(value, (text, path) => {
    const last = path.at(-1);
    const isCover = path.at(-2) === 'cover' && last === 'image';
    const isTarget = isCover || (path.at(-3) === 'sources' && (last === 'ref' || last === 'url'));
    for (const target of isTarget ? [text] : extractLinks(text).map((l) => l.target)) {
      const reason = unsafeTargetReason(target, isCover ? 'cover image' : 'link target');
      if (reason) return { path, reason, find: target };
    }
    return null;
  });
}
