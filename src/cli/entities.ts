import { parseArgs } from 'node:util';
import { loadEnv } from '../config/env';
import type { Db } from '../db/client';
import { withDatabase } from './database';
import { printHelp } from './help';
import { aliasEntity, listAliases, removeEntityAlias } from '../modules/entities/entity-aliases.service';


export type EntitiesArgs = { action: 'alias'; alias: string; canonical: string } | { action: 'aliases' } | { action: 'unalias'; alias: string };

/** The command line after `entities`, or why it is not one (a usage error). */
export function parseEntitiesArgs(args: string[]): EntitiesArgs | string {
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ args, allowPositionals: true, strict: true }));
  } catch (err) {
    return (err as Error).message;
  }
  const [action, ...names] = positionals;
  if (action === 'alias') return names.length === 2 ? { action, alias: names[0]!, canonical: names[1]! } : 'alias needs <name> and <canonical>';
  if (action === 'unalias') return names.length === 1 ? { action, alias: names[0]! } : 'unalias needs one <name>';
  if (action === 'aliases') return names.length === 0 ? { action } : 'aliases takes no names';
  return 'say alias, aliases or unalias';
}

/** Runs a parsed `entities` command; API errors (unknown canonical, a cycle) are thrown for the caller to print. */
export async function runEntities(db: Db, args: EntitiesArgs, out: (line: string) => void): Promise<void> {
  if (args.action === 'alias') {
    const e = await aliasEntity(db, args.alias, args.canonical);
    out(`"${args.alias}" is now an alias of "${e.name}" (key ${e.key}, ${e.mentionCount} published mentions)`);
  } else if (args.action === 'unalias') {
    const e = await removeEntityAlias(db, args.alias);
    out(`"${args.alias}" is no longer an alias of "${e.name}"`);
  } else {
    const rows = await listAliases(db);
    if (rows.length === 0) out('no aliases');
    for (const a of rows) out(`${a.name}  →  ${a.canonical.name}  (key ${a.key} → ${a.canonical.key})`);
  }
}

/** `digestql entities ...`: bad usage prints the help and exits 2; the work runs on the configured database. */
export async function entitiesCommand(rest: string[]): Promise<number> {
  const parsed = parseEntitiesArgs(rest);
  if (typeof parsed === 'string') {
    process.stderr.write(`digestql entities: ${parsed}\n\n`);
    printHelp('entities');
    return 2;
  }
  return withDatabase('entities', loadEnv(), (database) => runEntities(database.db, parsed, (line) => process.stdout.write(`${line}\n`)));
}
