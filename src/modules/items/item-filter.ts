import { z } from 'zod';
import { normaliseKey, type Importance } from '../../ingest';
import { INSTANT_RANGE_MESSAGE, inInstantRange } from '../../graphql/date-time';
import { parseInput, strictInput } from '../../graphql/input';
import type { SearchDoc } from '../search/search-doc';
import { matchesDoc, parseSearchQuery, toTsquery, type SearchQuery } from '../search/search-query';
import { tagKey } from '../../text/fold';
import { IMPORTANCE_RANK } from './importance-rank';

/** The `ItemFilter` input as GraphQL delivers it. */
export interface ItemFilterInput {
  tags?: string[] | null;
  minImportance?: Importance | null;
  sections?: string[] | null;
  entities?: string[] | null;
  reportSlug?: string | null;
  from?: Date | null;
  to?: Date | null;
  query?: string | null;
}

/**
 * The one meaning of an item filter, shared by the `items` query (as SQL), subscriptions and
 * webhooks (as `matchesItem`). Conditions combine with AND; each list matches ANY of its
 * values; an empty or missing list is no condition. Names are folded like stored keys.
 */
export interface ItemFilter {
  tagKeys: string[] | null;
  minRank: number | null;
  sectionKeys: string[] | null;
  entityKeys: string[] | null;
  reportSlug: string | null;
  from: Date | null;
  to: Date | null;
  /** Parsed once; `tsquery` is what SQL matches the stored search document with. */
  query: { parsed: SearchQuery; tsquery: string } | null;
}

/** What an item (or an event about it) offers to a filter. */
export interface ItemFacts {
  tagKeys: readonly string[];
  importanceRank: number;
  sectionKey: string;
  entityKeys: readonly string[];
  reportSlug: string;
  publishedAt: Date;
  /** The item's search document (parsed on first use, once per event: only `query` filters read it). */
  searchDoc: () => SearchDoc;
}

const list = z.array(z.string().max(200)).max(50, 'at most 50 values').nullish();
// Also checks what GraphQL's types already did: filters stored as JSON (webhooks) or given on the command line come back here.
const instant = z
  .union([z.date(), z.string().datetime({ offset: true })])
  .transform((v) => (v instanceof Date ? v : new Date(v)))
  .refine(inInstantRange, INSTANT_RANGE_MESSAGE)
  .nullish();
/** The `ItemFilter` input checked, as plain data (what a webhook stores). */
export const itemFilterSchema = strictInput(
  {
    tags: list,
    sections: list,
    entities: list,
    reportSlug: z.string().max(200).nullish(),
    minImportance: z.enum(['HIGH', 'MEDIUM', 'LOW'], { message: 'must be HIGH, MEDIUM or LOW' }).nullish(),
    from: instant,
    to: instant,
    query: z.string().nullish(),
  },
  '{"minImportance":"HIGH","tags":["agents"]}',
).refine((f) => !(f.from && f.to && f.from > f.to), { message: 'must not be after `to`', path: ['from'] });

const keys = (values: string[] | null | undefined, fold: (s: string) => string): string[] | null => {
  const out = [...new Set((values ?? []).map(fold).filter(Boolean))];
  return out.length ? out : null;
};

export function normaliseItemFilter(input: ItemFilterInput | null | undefined, argument = 'filter'): ItemFilter {
  const f = parseInput(itemFilterSchema, input ?? {}, argument);
  const query = f.query?.trim() ? parseSearchQuery(f.query, `${argument}.query`) : null;
  return {
    tagKeys: keys(f.tags, tagKey),
    minRank: f.minImportance ? IMPORTANCE_RANK[f.minImportance] : null,
    sectionKeys: keys(f.sections, (s) => s.trim().toLowerCase()),
    entityKeys: keys(f.entities, normaliseKey),
    reportSlug: f.reportSlug ?? null,
    from: f.from ?? null,
    to: f.to ?? null,
    query: query && { parsed: query, tsquery: toTsquery(query) },
  };
}

export function matchesItem(filter: ItemFilter, item: ItemFacts): boolean {
  if (filter.minRank !== null && item.importanceRank < filter.minRank) return false;
  if (filter.reportSlug !== null && item.reportSlug !== filter.reportSlug) return false;
  if (filter.sectionKeys && !filter.sectionKeys.includes(item.sectionKey)) return false;
  if (filter.tagKeys && !filter.tagKeys.some((t) => item.tagKeys.includes(t))) return false;
  if (filter.entityKeys && !filter.entityKeys.some((e) => item.entityKeys.includes(e))) return false;
  if (filter.from && item.publishedAt < filter.from) return false;
  if (filter.to && item.publishedAt > filter.to) return false;
  if (filter.query && !matchesDoc(filter.query.parsed, item.searchDoc())) return false;
  return true;
}
