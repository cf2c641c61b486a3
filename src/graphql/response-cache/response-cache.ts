import { createHash } from 'node:crypto';
import { getVariableValues, print, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { EventRecord } from '../../modules/events/events.repository';
import { ByteLru } from './byte-lru';
import { LISTS, itemTag, reportTag } from './cache-policy';

/** One cached answer: the exact bytes sent, their strong ETag, and what invalidates them. */
export interface CachedResponse {
  /** The serialised response body, as the UTF-8 bytes sent. */
  body: Buffer;
  /** A strong ETag: `"` + base64url(sha256(body)) + `"`. */
  etag: string;
  tags: ReadonlySet<string>;
}

export interface ResponseCacheStats {
  hits: number;
  misses: number;
  /** Entries removed because an event touched what they read. */
  invalidations: number;
  /** Entries pushed out by the byte bound. */
  evictions: number;
  bytes: number;
  entries: number;
}

/** Bytes an entry costs beyond its strings: the entry object, its map slots and the tag index's sets. */
const ENTRY_OVERHEAD = 256;

export const etagOf = (body: string): string => `"${createHash('sha256').update(body).digest('base64url')}"`;

/** JSON with object keys sorted at every depth: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // A coerced DateTime is a Date (no own keys): its JSON form, as for anything with toJSON.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The printed document, once per parsed document (Apollo keeps one DocumentNode per query text). */
const printed = new WeakMap<DocumentNode, string>();
const normalisedDocument = (document: DocumentNode): string => {
  let text = printed.get(document);
  if (text === undefined) {
    text = createHash('sha256').update(print(document)).digest('base64url');
    printed.set(document, text);
  }
  return text;
};

/**
 * The variables as execution sees them (coerced, defaults applied), or null when they do not
 * coerce (the operation will fail: nothing to cache).
 */
export function coercedVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Record<string, unknown> | undefined): Record<string, unknown> | null {
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], raw ?? {});
  return result.errors ? null : result.coerced;
}

/**
 * The cache key: the normalised document (its printed AST), the operation's name, the coerced
 * variables and the caller's scopes. Never the key or the address: callers with the same scopes
 * share entries.
 */
export function cacheKey(document: DocumentNode, operationName: string | null, variables: Record<string, unknown>, scopes: readonly string[]): string {
  // Hashed: the variables may be megabytes, and keys are held by the LRU, the tag index and aliases.
  const text = `${normalisedDocument(document)}\u0000${operationName ?? ''}\u0000${canonicalJson(variables)}\u0000${[...scopes].sort().join(',')}`;
  return createHash('sha256').update(text).digest('base64url');
}

/** The tags an event from the log touches (see cache-policy.ts for what entries record). */
export function tagsOfEvent(e: EventRecord): string[] {
  const tags = [LISTS, reportTag(e.facts.reportSlug)];
  if (e.itemId) tags.push(itemTag(e.itemId));
  return tags;
}

/**
 * Read responses of one process, bounded in bytes (LRU), invalidated by the events the hub reads.
 *
 * A response computed while an event was being applied must not be stored: `begin()` before the
 * operation reads anything, and `set` refuses the entry when any invalidation happened since
 * (the response may predate the change that event announced, and nothing would remove it later).
 */
export class ResponseCache {
  private readonly lru: ByteLru<string, CachedResponse>;
  private readonly byTag = new Map<string, Set<string>>();
  private epoch = 0;
  private counts = { hits: 0, misses: 0, invalidations: 0, evictions: 0 };

  constructor(readonly maxBytes: number) {
    this.lru = new ByteLru(maxBytes, (key, entry) => {
      this.counts.evictions++;
      this.untag(key, entry);
    });
  }

  /** A token for `set`: the invalidation epoch before the operation reads anything. */
  begin(): number {
    return this.epoch;
  }

  /** The entry under `key` (counted as a hit), or undefined. */
  get(key: string): CachedResponse | undefined {
    const hit = this.lru.get(key);
    if (hit) this.counts.hits++;
    return hit;
  }

  /** Counts a cacheable read that had to be executed. */
  noteMiss(): void {
    this.counts.misses++;
  }

  /** Stores an entry unless something was invalidated since `begin` gave `since`; whether it was kept. */
  set(key: string, since: number, body: string, tags: ReadonlySet<string>): CachedResponse | null {
    if (since !== this.epoch) return null;
    // Its own memory, not a slice of Node's shared 8 KiB pool (Buffer.from of a short string is one,
    // and would keep the whole pool alive: 8 KiB held for a 100-byte answer).
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(body));
    bytes.write(body);
    const entry: CachedResponse = { body: bytes, etag: etagOf(body), tags };
    // What the entry holds: the body, the key, the ETag and the tags (strings of ASCII and JSON, about a
    // byte a character), and the bookkeeping of the LRU and tag index around them.
    let size = bytes.length + key.length + entry.etag.length + ENTRY_OVERHEAD;
    for (const tag of tags) size += tag.length + ENTRY_OVERHEAD / 2;
    const previous = this.lru.delete(key);
    if (previous) this.untag(key, previous);
    if (!this.lru.set(key, entry, size)) return null;
    for (const tag of tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    return entry;
  }

  /** Removes every entry that read what these events changed. Call before the events are announced. */
  invalidate(events: readonly EventRecord[]): number {
    if (events.length === 0) return 0;
    if (events.some((e) => e.type === 'ENTITIES_CHANGED')) {
      // Names changed in every report (an entity renamed or merged): nothing held is known good.
      const removed = this.lru.size;
      this.clear();
      this.counts.invalidations += removed;
      return removed;
    }
    this.epoch++;
    const tags = new Set<string>();
    for (const e of events) for (const t of tagsOfEvent(e)) tags.add(t);
    let removed = 0;
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      if (!keys) continue;
      for (const key of [...keys]) {
        const entry = this.lru.delete(key);
        if (entry) {
          this.untag(key, entry);
          removed++;
        }
      }
    }
    this.counts.invalidations += removed;
    return removed;
  }

  clear(): void {
    this.epoch++;
    this.lru.clear();
    this.byTag.clear();
  }

  stats(): ResponseCacheStats {
    return { ...this.counts, bytes: this.lru.bytes, entries: this.lru.size };
  }

  private untag(key: string, entry: CachedResponse): void {
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.byTag.delete(tag);
    }
  }
}
