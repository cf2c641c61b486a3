import { parseArgs } from 'node:util';
import { loadEnv } from '../config/env';
import { databaseFromEnv } from '../main';
import { collectMarkdownFiles, ingestFiles, type FileOutcome } from '../modules/publishing/ingest-files';
import { printHelp } from './help';

/** `digestql ingest`: parses Markdown digests and stores them, each file in its own transaction. */
export async function ingest(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { quiet: { type: 'boolean' } }, allowPositionals: true });
  if (positionals.length === 0) {
    process.stderr.write('digestql ingest: name at least one file or folder\n\n');
    printHelp('ingest');
    return 2;
  }
  let files: string[];
  try {
    files = await collectMarkdownFiles(positionals);
  } catch (err) {
    process.stderr.write(`digestql ingest: ${(err as Error).message}\n`);
    return 2;
  }
  const database = await databaseFromEnv(loadEnv());
  try {
    if (database.kind === 'pglite') await database.migrate();
    const progress = process.stderr.isTTY && files.length > 5;
    const outcomes = await ingestFiles(database, files, (o: FileOutcome, i: number) => {
      if (progress) {
        const width = 30;
        const done = Math.round(((i + 1) / files.length) * width);
        process.stderr.write(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${i + 1}/${files.length}`);
        if (i + 1 === files.length) process.stderr.write('\n');
      }
      if (!o.ok) {
        if (progress) process.stderr.write('\r\x1b[K');
        process.stderr.write(`FAIL ${o.error}\n`);
      } else if (!values.quiet && !progress) {
        const r = o.result;
        const what = r.created ? 'new' : `+${r.added.length} ~${r.updated.length} -${r.removed.length}`;
        process.stdout.write(`ok   ${o.file} → ${r.slug} (${what}${r.draft ? ', draft' : ''})\n`);
      }
    });
    const failed = outcomes.filter((o) => !o.ok).length;
    const stored = outcomes.length - failed;
    const items = outcomes.reduce((n, o) => n + (o.ok ? o.result.added.length + o.result.updated.length : 0), 0);
    process.stdout.write(`${stored} stored, ${failed} failed, ${items} items added or updated (${outcomes.length} files)\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}
