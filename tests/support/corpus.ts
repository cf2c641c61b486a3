import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The shared corpus of real digests lives beside the project, never inside it. */
export const CORPUS_DIR = resolve(__dirname, '../../../shared/corpus');
export const SEED_FILE = join(CORPUS_DIR, 'ai-intel/2025-11-25-ai-intel.md');
export const EAGLE_DIR = join(CORPUS_DIR, 'eagle-cool-ai-digest');
export const EXAMPLES_DIR = resolve(__dirname, '../../examples');

export const corpusAvailable = existsSync(SEED_FILE);

/**
 * `describe` when the corpus is there; otherwise the block is reported as skipped, with the reason
 * in its name, so a clone without ../shared/corpus never passes these tests silently.
 */
export const describeWithCorpus = (name: string, fn: () => void): void => {
  if (corpusAvailable) describe(name, fn);
  else describe.skip(`${name} [skipped: ${CORPUS_DIR} not found]`, fn);
};

export const eagleFiles = (): string[] =>
  corpusAvailable ? readdirSync(EAGLE_DIR).filter((f) => f.endsWith('.md')).sort() : [];
