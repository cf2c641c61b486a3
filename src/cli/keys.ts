import { parseArgs } from 'node:util';
import { loadEnv } from '../config/env';
import { createApiKey, listApiKeys, revokeApiKey } from '../modules/auth/api-keys';
import { withDatabase } from './database';
import { printHelp } from './help';

/** `digestql keys create|list|revoke`, in the configured database. */
export async function keys(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { name: { type: 'string' }, scopes: { type: 'string' }, expires: { type: 'string' } },
    allowPositionals: true,
  });
  const [action, target] = positionals;
  if (!action || !['create', 'list', 'revoke'].includes(action) || (action === 'revoke' && !target) || (action === 'create' && (!values.name || !values.scopes))) {
    process.stderr.write('digestql keys: ' + (action === 'create' ? 'create needs --name and --scopes' : action === 'revoke' ? 'revoke needs a key id, name or prefix' : 'say create, list or revoke') + '\n\n');
    printHelp('keys');
    return 2;
  }
  return withDatabase('keys', loadEnv(), async (database) => {
    if (action === 'create') {
      const expiresAt = values.expires ? new Date(values.expires) : null;
      const { key, record } = await createApiKey(database.db, { name: values.name!, scopes: values.scopes!.split(',').map((s) => s.trim()).filter(Boolean), expiresAt });
      process.stdout.write(`created API key "${record.name}" (id ${record.id}, scopes ${record.scopes.join(',')}${record.expiresAt ? `, expires ${record.expiresAt.toISOString()}` : ''})\n`);
      process.stdout.write('the key is shown this once; store it now:\n');
      process.stdout.write(`${key}\n`);
    } else if (action === 'list') {
      const rows = await listApiKeys(database.db);
      if (rows.length === 0) process.stdout.write('no API keys\n');
      for (const k of rows) {
        const status = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt <= new Date() ? 'expired' : 'live';
        const used = k.lastUsedAt ? k.lastUsedAt.toISOString() : 'never';
        process.stdout.write(`${k.id}  ${k.prefix}…  ${status.padEnd(7)}  ${k.scopes.join(',').padEnd(18)}  ${k.name}  (created ${k.createdAt.toISOString()}, last used ${used})\n`);
      }
    } else {
      const k = await revokeApiKey(database.db, target!);
      process.stdout.write(`revoked API key "${k.name}" (id ${k.id})\n`);
    }
  });
}
