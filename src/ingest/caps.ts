/**
 * How much one digest may hold. Real digests stay far below (the corpus's largest: 8 sections,
 * 30 items, 12 in a section, 10 entities and 12 sources on an item, 10 links in a section;
 * tests/unit/ingest/caps.test.ts keeps them under half of each cap). The caps are what make the
 * query cost estimate (src/server/limits.ts) an upper bound: a list without `first` holds at
 * most its cap, so no query can fetch more than it was charged for.
 */
export const DIGEST_CAPS = {
  sectionsPerReport: 30,
  itemsPerReport: 100,
  itemsPerSection: 50,
  sourcesPerSection: 50,
  entitiesPerItem: 30,
  sourcesPerItem: 30,
  extraBlocksPerItem: 20,
} as const;

export type DigestCap = keyof typeof DIGEST_CAPS;

/** The message of a digest over a cap: what, how many at most, and the cap's name. */
export const capMessage = (cap: DigestCap, what: string, where: string): string =>
  `too many ${what}: ${where} may hold at most ${DIGEST_CAPS[cap]} (limit ${cap})`;
