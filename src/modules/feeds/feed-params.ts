import { GraphQLError } from 'graphql';
import { unsafeTextReason } from '../../ingest';
import { normaliseItemFilter, type ItemFilter, type ItemFilterInput } from '../items/item-filter';

/** A query parameter a feed cannot take: answered 400 with this message, which names it. */
export class FeedParamError extends Error {
  constructor(readonly param: string, message: string) {
    super(`${param}: ${message}`);
  }
}

export const FEED_DEFAULT_LIMIT = 50;
export const FEED_MAX_LIMIT = 100;

/** Query parameter → the `ItemFilter` field it means (lists are comma-separated). */
const FILTER_PARAMS = { minImportance: 'minImportance', tags: 'tags', sections: 'sections', entities: 'entities', report: 'reportSlug', from: 'from', to: 'to' } as const;
type FilterParam = keyof typeof FILTER_PARAMS;
const LIST_PARAMS: ReadonlySet<string> = new Set(['tags', 'sections', 'entities']);
/** Taken by every feed: how many entries, and an API key for readers that cannot send headers. */
const COMMON_PARAMS = new Set(['limit', 'key']);

function refuseUnknown(params: URLSearchParams, allowed: ReadonlySet<string>): void {
  for (const [name, value] of params) {
    if (!allowed.has(name)) throw new FeedParamError(name, `unknown parameter; this feed takes ${[...allowed].join(', ')}`);
    // A value ends up in the feed's title: XML 1.0 cannot hold every character.
    const unsafe = unsafeTextReason(value);
    if (unsafe) throw new FeedParamError(name, unsafe);
    if (COMMON_PARAMS.has(name) && params.getAll(name).length > 1) throw new FeedParamError(name, 'given more than once');
  }
}

function parseLimit(params: URLSearchParams): number {
  const raw = params.get('limit');
  if (raw === null) return FEED_DEFAULT_LIMIT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > FEED_MAX_LIMIT) {
    throw new FeedParamError('limit', `must be a whole number from 1 to ${FEED_MAX_LIMIT}, got "${raw}"`);
  }
  return Number(raw);
}

/**
 * `?minImportance=HIGH&tags=RLHF,代理&report=…` → the one `ItemFilter` (the same normaliser as the
 * `items` query, subscriptions and webhooks), and the number of entries. Repeated list parameters add up.
 */
export function itemFeedParams(params: URLSearchParams): { filter: ItemFilter; limit: number } {
  refuseUnknown(params, new Set([...Object.keys(FILTER_PARAMS), ...COMMON_PARAMS]));
  const input: Record<string, unknown> = {};
  for (const [param, field] of Object.entries(FILTER_PARAMS)) {
    const values = params.getAll(param);
    if (values.length === 0) continue;
    if (LIST_PARAMS.has(param)) {
      input[field] = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    } else if (values.length > 1) {
      throw new FeedParamError(param, 'given more than once');
    } else {
      input[field] = values[0];
    }
  }
  const limit = parseLimit(params);
  try {
    return { filter: normaliseItemFilter(input as ItemFilterInput, 'filter'), limit };
  } catch (err) {
    if (!(err instanceof GraphQLError) || typeof err.extensions.argument !== 'string') throw err;
    // "filter.reportSlug: must be …" → "report: must be …": name the parameter the reader wrote.
    const field = err.extensions.argument.split('.')[1] ?? '';
    const param = (Object.keys(FILTER_PARAMS) as FilterParam[]).find((p) => FILTER_PARAMS[p] === field) ?? field;
    throw new FeedParamError(param, err.message.slice(err.extensions.argument.length + 2));
  }
}

/** Feeds that take no filter (reports, OPML): only `limit` and `key`. */
export function plainFeedParams(params: URLSearchParams): { limit: number } {
  refuseUnknown(params, COMMON_PARAMS);
  return { limit: parseLimit(params) };
}
