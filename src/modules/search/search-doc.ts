import { normaliseKey } from '../../ingest/normalise';
import { tokenise } from '../../text/fold';

/**
 * An item's search document: its folded tokens with positions and weights, built in the
 * application and stored as a tsvector (the `simple` kind: no stemming, no stop words; Postgres
 * and PGlite have no Chinese parser, so the application tokenises). The same document, parsed
 * back, is what the live-search matcher reads: the index and the matcher cannot disagree.
 */

/** What of an item is searchable. */
export interface SearchFields {
  title: string;
  summary: string | null;
  details: string | null;
  applications: string | null;
  body: string | null;
  extra: readonly { label: string; text: string }[];
  /**
   * Entity names: as the item wrote them, the entities' own names and their aliases, so an item
   * is found by any name of an entity it mentions. Names with the same entity key count once.
   */
  entities: readonly string[];
  tags: readonly string[];
  /** Source labels. */
  sources: readonly string[];
}

/** ts_rank's weights: A (title, entities) counts 1.0, B (summary) 0.4, C (the rest) 0.2. */
type Weight = 'A' | 'B' | 'C';

/** Lexeme → its positions (sorted), as Postgres keeps them. */
export type SearchDoc = ReadonlyMap<string, readonly number[]>;

// Postgres's tsvector limits: a position is at most 16383 (larger ones become 16383) and a lexeme
// keeps at most 256 positions. The document is built within them so it reads back unchanged.
const MAX_POSITION = 16383;
const MAX_POSITIONS = 256;
/**
 * Positions skipped between two texts (fields, entity names, tags): a phrase never spans them.
 * A query's phrase steps by at most 2 (see search-query), so any gap above that would do.
 */
const GAP = 8;
const WEIGHT_RANK: Record<Weight, number> = { A: 3, B: 2, C: 1 };

/** The first of the names with each entity key, in order. */
function distinctNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => !seen.has(normaliseKey(n)) && !!seen.add(normaliseKey(n)));
}

function segments(f: SearchFields): [Weight, string][] {
  const out: [Weight, string | null][] = [
    ['A', f.title],
    ...distinctNames(f.entities).map((e): [Weight, string] => ['A', e]),
    ['B', f.summary],
    ['C', f.details],
    ['C', f.applications],
    ['C', f.body],
    ...f.extra.map((x): [Weight, string] => ['C', `${x.label} ${x.text}`]),
    ...f.tags.map((t): [Weight, string] => ['C', t]),
    ...f.sources.map((s): [Weight, string] => ['C', s]),
  ];
  return out.filter((s): s is [Weight, string] => !!s[1]);
}

/** The item's tokens as a Postgres tsvector literal (cast with `::tsvector`). */
export function buildSearchVector(fields: SearchFields): string {
  const lexemes = new Map<string, Map<number, number>>();
  let base = 1;
  for (const [weight, text] of segments(fields)) {
    let last = -1;
    for (const t of tokenise(text)) {
      const pos = Math.min(base + t.position, MAX_POSITION);
      const positions = lexemes.get(t.text) ?? new Map<number, number>();
      lexemes.set(t.text, positions);
      positions.set(pos, Math.max(positions.get(pos) ?? 0, WEIGHT_RANK[weight]));
      last = t.position;
    }
    base += last + 1 + GAP;
  }
  const letter = ['', 'C', 'B', 'A'];
  return [...lexemes]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([lexeme, positions]) => {
      const list = [...positions].sort(([a], [b]) => a - b).slice(0, MAX_POSITIONS);
      return `${quoteLexeme(lexeme)}:${list.map(([p, w]) => `${p}${letter[w]}`).join(',')}`;
    })
    .join(' ');
}

/** A lexeme in tsvector/tsquery literal syntax. */
export const quoteLexeme = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

const LEXEME = /'((?:[^'\\]|''|\\.)*)'(?::([0-9A-D,]+))?/gy;

/**
 * Reads a tsvector literal back (ours, or Postgres's `search::text`, which has the same syntax).
 * Weights are dropped: matching ignores them.
 */
export function parseSearchVector(text: string): SearchDoc {
  const doc = new Map<string, number[]>();
  LEXEME.lastIndex = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ') {
      i++;
      continue;
    }
    LEXEME.lastIndex = i;
    const m = LEXEME.exec(text);
    if (!m) throw new Error(`not a tsvector at offset ${i}`);
    const lexeme = m[1]!.replace(/''/g, "'").replace(/\\(.)/g, '$1');
    doc.set(lexeme, m[2] ? m[2].split(',').map((p) => parseInt(p, 10)) : []);
    i = LEXEME.lastIndex;
  }
  return doc;
}

const parsed = new WeakMap<object, SearchDoc>();

/** `parseSearchVector`, once per holder (an event's facts are shared by every subscriber). */
export function searchDocOf(holder: object, text: string | undefined): SearchDoc {
  let doc = parsed.get(holder);
  if (!doc) {
    doc = text ? parseSearchVector(text) : new Map();
    parsed.set(holder, doc);
  }
  return doc;
}
