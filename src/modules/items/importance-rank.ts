import type { Importance } from '../../ingest';

/** HIGH 3, MEDIUM 2, LOW 1, none 0: `minImportance: MEDIUM` means rank ≥ 2. */
export const IMPORTANCE_RANK: Record<Importance, number> = { HIGH: 3, MEDIUM: 2, LOW: 1 };

export function importanceRank(importance: Importance | null): number {
  return importance ? IMPORTANCE_RANK[importance] : 0;
}
