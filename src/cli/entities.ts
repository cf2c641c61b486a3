import { parseArgs } from 'node:util';
import type { Db } from '../db/client';
import { aliasEntity, listAliases, removeEntityAlias } from '../modules/entities/entity-aliases.service';

/** `digestql entities`: entity aliases, directly in the configured database. */
export const ENTITIES_HELP = `Usage: digestql entities alias <name> <canonical>
       digestql entities aliases
       digestql entities unalias <name>

Manages entity aliases directly in the configured database. alias makes <name> another name of the
entity <canonical> (e.g. digestql entities alias "Open AI" OpenAI): lookups, item filters, live
subscriptions, webhooks, search and trends then take either name. An entity already named <name>
is merged into <canonical> (its mentions move; removing the alias later does not split them).
Names match on their normalised key (case, width and spacing do not matter). unalias removes an
alias; later digests naming it make an entity of their own.`;

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
