import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Database } from '../../db/client';
import { DigestParseError, parseDigest } from '../../ingest';
import { isDatabaseUnavailable } from '../../graphql/format-error';
import { storeReport, type StoreResult } from './publishing.service';

export type FileOutcome =
  | { file: string; ok: true; result: StoreResult }
  | { file: string; ok: false; error: string };

/** Files and folders → the Markdown files in them (folders recursively), sorted, each once. */
export async function collectMarkdownFiles(paths: string[]): Promise<string[]> {
  const found = new Set<string>();
  async function walk(path: string): Promise<void> {
    const info = await stat(path);
    if (info.isDirectory()) {
      const entries = await readdir(path, { withFileTypes: true });
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (e.isDirectory()) await walk(join(path, e.name));
        else if (e.name.endsWith('.md')) found.add(join(path, e.name));
      }
    } else {
      found.add(path);
    }
  }
  for (const p of paths) await walk(p);
  return [...found];
}

/**
 * Parses and stores each file in its own transaction: a bad file is reported and skipped,
 * and changes nothing, while the others go in.
 */
export async function ingestFiles(
  database: Database,
  files: string[],
  onFile: (outcome: FileOutcome, index: number) => void = () => undefined,
): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = [];
  for (const [index, file] of files.entries()) {
    const name = relative(process.cwd(), file) || file;
    let outcome: FileOutcome;
    try {
      const report = parseDigest(await readFile(file), { fileName: name });
      outcome = { file: name, ok: true, result: await storeReport(database.db, report) };
    } catch (err) {
      const message = err instanceof DigestParseError ? err.message : `${name}: ${shortCause(err)}`;
      outcome = { file: name, ok: false, error: message };
    }
    outcomes.push(outcome);
    onFile(outcome, index);
  }
  return outcomes;
}

/**
 * What went wrong storing a file, in one line for a terminal: the database's own reason and code,
 * never drizzle's "Failed query: <sql> params: <values>" (the digest's text, possibly secret).
 */
export function shortCause(err: unknown): string {
  if (isDatabaseUnavailable(err)) return 'the database is unavailable; nothing of this file was stored, retry';
  const driver = (err as { cause?: unknown }).cause ?? err;
  const { message, code } = (driver ?? {}) as { message?: unknown; code?: unknown };
  const reason = typeof message === 'string' && !message.startsWith('Failed query') ? message.split('\n')[0]!.slice(0, 200) : null;
  if (typeof code === 'string') return `the database refused the file (${reason ?? 'no reason given'}, code ${code}); nothing of it was stored`;
  return `unexpected error (${reason ?? 'see the log'}); nothing of this file was stored`;
}
