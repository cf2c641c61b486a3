import { parseArgs } from 'node:util';
import { loadEnv } from '../config/env';
import { publishFile } from '../modules/publishing/publish-client';
import { printHelp } from './help';

/** `digestql publish`: checks digests locally, then sends them to a running server. */
export async function publish(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { url: { type: 'string' }, token: { type: 'string' } },
    allowPositionals: true,
  });
  const env = loadEnv();
  const url = values.url ?? env.DIGESTQL_URL ?? 'http://localhost:4000/graphql';
  const token = values.token ?? env.PUBLISH_TOKEN;
  if (positionals.length === 0) {
    process.stderr.write('digestql publish: name at least one file\n\n');
    printHelp('publish');
    return 2;
  }
  if (!token) {
    process.stderr.write('digestql publish: no credential: pass --token or set PUBLISH_TOKEN\n');
    return 2;
  }
  let failed = 0;
  for (const file of positionals) {
    const outcome = await publishFile(file, url, token);
    if (outcome.ok) process.stdout.write(`ok   ${file} → ${outcome.summary}\n`);
    else {
      failed++;
      process.stderr.write(`FAIL ${outcome.error}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}
