import type { Item } from './model';
import { tagKey } from '../text/fold';
import { foldText } from './normalise';

const ASCII_WORD = /[a-z0-9]/;

/** Case- and width-insensitive mention; ASCII words must stand alone (`LLM` is not in `ALLMOST`). */
export function mentions(haystack: string, needle: string): boolean {
  const n = tagKey(needle);
  if (!n) return false;
  const h = foldText(haystack);
  for (let at = h.indexOf(n); at !== -1; at = h.indexOf(n, at + 1)) {
    const before = h[at - 1];
    const after = h[at + n.length];
    const startOk = !ASCII_WORD.test(n[0]!) || before === undefined || !ASCII_WORD.test(before);
    const endOk = !ASCII_WORD.test(n[n.length - 1]!) || after === undefined || !ASCII_WORD.test(after);
    if (startOk && endOk) return true;
  }
  return false;
}

type TaggableItem = Pick<Item, 'title' | 'summary' | 'details' | 'applications' | 'body' | 'entities' | 'tags'>;

/**
 * An item's tags: those given explicitly, then each report tag or keyword the item mentions,
 * in the report's order, without duplicates.
 */
export function itemTags(item: TaggableItem, candidates: string[]): string[] {
  const text = [item.title, item.summary, item.details, item.applications, item.body, ...item.entities.map((e) => e.name)]
    .filter((t): t is string => !!t)
    .join('\n');
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (tag: string): void => {
    const k = tagKey(tag);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(tag);
    }
  };
  item.tags.forEach(add);
  for (const c of candidates) if (mentions(text, c)) add(c);
  return out;
}
