#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadEnv, type Env } from './config/env';
import { collectMarkdownFiles, ingestFiles, type FileOutcome } from './modules/publishing/ingest-files';
import { publishFile } from './modules/publishing/publish-client';
import type { Database } from './db/client';
import { DataDirInUseError } from './db/data-dir-lock';
import { databaseFromEnv, startServer, VERSION } from './main';
import { createLogger } from './observability/logger';
import { GraphQLError } from 'graphql';
import { createApiKey, listApiKeys, revokeApiKey } from './modules/auth/api-keys';
import { describeSchedule } from './modules/webhooks/schedule';
import { createWebhook, deleteWebhook, listWebhooks, redeliver, rotateSecret, updateWebhook, type WebhookFormat, type WebhookInput, type WebhookRecord } from './modules/webhooks/webhooks.service';
import { ApiError, ErrorCode } from './graphql/errors';
import { ENTITIES_HELP, parseEntitiesArgs, runEntities } from './cli/entities';

const HELP: Record<string, string> = {
  main: `digestql ${VERSION}: a realtime GraphQL API for AI-news digests

Usage: digestql <command> [options]

Commands:
  serve     Serve the GraphQL API (HTTP and WebSocket at /graphql, /healthz, /readyz)
  migrate   Apply pending database migrations
  ingest    Parse Markdown digests and store them (directly in the database)
  publish   Send Markdown digests to a running server (publishMarkdown)
  keys      Create, list and revoke API keys (in the configured database)
  webhooks  Create, list, rotate, delete webhooks and redeliver (in the configured database)
  entities  Alias entities: one entity under several names (in the configured database)

Run "digestql <command> --help" for a command's options.
The database is PGlite under DATA_DIR (default ./data) unless DATABASE_URL is set.`,
  serve: `Usage: digestql serve

Serves the API on HOST:PORT (default 0.0.0.0:4000): /graphql for HTTP and WebSocket, /healthz, /readyz.
With the embedded database it applies pending migrations and, on first start, loads examples/.
With DATABASE_URL, run "digestql migrate" first (see README, "Production").`,
  migrate: `Usage: digestql migrate

Applies pending migrations from migrations/ to the configured database. Safe to run from several
processes at once: one migrates while the others wait.`,
  ingest: `Usage: digestql ingest <file|dir>... [--quiet]

Parses each Markdown digest (folders are searched recursively for *.md) and stores it, each file in
its own transaction. Re-ingesting a slug replaces that report in place. A bad file is reported with
its line and field and skipped; the exit code is 1 when any file failed.

Options:
  --quiet   print only failures and the summary`,
  publish: `Usage: digestql publish <file>... --url http://host:4000/graphql [--token TOKEN]

Checks each Markdown digest locally (a bad file is reported with its line and field and not sent),
then publishes it to a running server with the publishMarkdown mutation. The slug is the front
matter's, else the file name. Subscribers and webhooks hear about new and changed items at once.

Options:
  --url     the server's GraphQL endpoint (default: $DIGESTQL_URL, else http://localhost:4000/graphql)
  --token   a publish credential (default: $PUBLISH_TOKEN)`,
  keys: `Usage: digestql keys create --name NAME --scopes read,publish,admin [--expires 2027-01-01T00:00:00Z]
       digestql keys list
       digestql keys revoke <id|name|prefix>

Manages API keys directly in the configured database (DATABASE_URL, else the embedded one).
create prints the key's details and then the key itself, alone on the last line: it is shown this
once and stored only as a hash. Scopes: read (queries, subscriptions), publish (publishReport,
publishMarkdown), admin (keys and webhooks). revoke takes effect at once.`,
  webhooks: `Usage: digestql webhooks create --url URL --format JSON|SLACK|DISCORD [--filter JSON] [--schedule JSON]
       digestql webhooks update <id> [--url URL] [--format F] [--filter JSON] [--schedule JSON] [--enable|--disable]
       digestql webhooks list
       digestql webhooks rotate <id> [--overlap-hours 24]
       digestql webhooks delete <id>
       digestql webhooks redeliver <delivery-id>

Manages webhook endpoints directly in the configured database. create and rotate print the signing
secret alone on their last line (shown once). --filter takes the items query's ItemFilter as JSON,
e.g. '{"minImportance":"HIGH"}'. --schedule sends items of an importance at once (IMMEDIATE, the
default) or batched into one message an hour or a day, e.g.
'{"medium":"HOURLY","low":"DAILY","dailyHourUtc":8}' (DAILY batches go out at 08:00 UTC).
URLs must be https and public unless their host is in WEBHOOK_ALLOW_HOSTS. Running servers pick up
changes at once.`,
  entities: ENTITIES_HELP,
};

function printHelp(command: keyof typeof HELP): void {
  process.stdout.write(`${HELP[command]}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    printHelp('main');
    return command ? 0 : 1;
  }
  if (command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!(command in HELP) || command === 'main') {
    process.stderr.write(`digestql: unknown command "${command}"\n\n`);
    printHelp('main');
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    printHelp(command);
    return 0;
  }
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate':
      return migrate();
    case 'ingest':
      return ingest(rest);
    case 'publish':
      return publish(rest);
    case 'keys':
      return keys(rest);
    case 'webhooks':
      return webhooksCommand(rest);
    case 'entities': {
      const parsed = parseEntitiesArgs(rest);
      if (typeof parsed === 'string') {
        process.stderr.write(`digestql entities: ${parsed}\n\n`);
        printHelp('entities');
        return 2;
      }
      return withDatabase('entities', loadEnv(), (database) => runEntities(database.db, parsed, (line) => process.stdout.write(`${line}\n`)));
    }
    default:
      return 2;
  }
}

async function serve(): Promise<number> {
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL);
  const running = await startServer(env, log);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      // Whatever happens, the process is gone within 10 s.
      setTimeout(() => process.exit(1), 10_000).unref();
      running.stop().then(resolve, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

async function migrate(): Promise<number> {
  const database = await databaseFromEnv(loadEnv());
  try {
    await database.migrate();
    process.stdout.write(`migrations applied (${database.kind})\n`);
    return 0;
  } finally {
    await database.close();
  }
}

async function ingest(args: string[]): Promise<number> {
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

async function publish(args: string[]): Promise<number> {
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

async function keys(args: string[]): Promise<number> {
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

/**
 * Runs an admin command on the configured database (the embedded one migrated first): an API
 * error (bad input, not found) is printed on one line and exits 1; the database is closed.
 */
async function withDatabase(command: string, env: Env, run: (database: Database) => Promise<void>): Promise<number> {
  const database = await databaseFromEnv(env);
  try {
    if (database.kind === 'pglite') await database.migrate();
    await run(database);
    return 0;
  } catch (err) {
    if (err instanceof GraphQLError) {
      process.stderr.write(`digestql ${command}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}

function describeWebhook(w: WebhookRecord): string {
  const s = describeSchedule(w.schedule);
  const schedule = s.high === s.medium && s.medium === s.low ? s.high : `HIGH ${s.high}, MEDIUM ${s.medium}, LOW ${s.low}`;
  const daily = [s.high, s.medium, s.low].includes('DAILY') ? ` at ${String(s.dailyHourUtc).padStart(2, '0')}:00 UTC` : '';
  return `${w.id}  ${w.format.padEnd(7)}  ${w.enabled ? 'enabled ' : 'disabled'}  ${w.url}  filter ${JSON.stringify(w.filter)}  ${schedule}${daily}${w.disabledReason ? `  (${w.disabledReason})` : ''}`;
}

async function webhooksCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      format: { type: 'string' },
      filter: { type: 'string' },
      schedule: { type: 'string' },
      enable: { type: 'boolean' },
      disable: { type: 'boolean' },
      'overlap-hours': { type: 'string' },
    },
    allowPositionals: true,
  });
  const [action, target] = positionals;
  const usage = (why: string): number => {
    process.stderr.write(`digestql webhooks: ${why}\n\n`);
    printHelp('webhooks');
    return 2;
  };
  if (!action || !['create', 'update', 'list', 'rotate', 'delete', 'redeliver'].includes(action)) return usage('say create, update, list, rotate, delete or redeliver');
  if (action === 'create' && (!values.url || !values.format)) return usage('create needs --url and --format');
  if (['update', 'rotate', 'delete', 'redeliver'].includes(action) && !target) return usage(`${action} needs an id`);
  if (values.enable && values.disable) return usage('say --enable or --disable, not both');
  const json = (name: 'filter' | 'schedule'): Record<string, unknown> | undefined | Error => {
    try {
      return values[name] ? (JSON.parse(values[name]) as Record<string, unknown>) : undefined;
    } catch (err) {
      return new Error(`--${name} is not valid JSON: ${(err as Error).message}`);
    }
  };
  const filter = json('filter');
  const schedule = json('schedule');
  for (const bad of [filter, schedule]) {
    if (bad instanceof Error) {
      process.stderr.write(`digestql webhooks: ${bad.message}\n`);
      return 1;
    }
  }
  const env = loadEnv();
  const policy = { allow: env.WEBHOOK_ALLOW_HOSTS };
  return withDatabase('webhooks', env, async (database) => {
    if (action === 'create') {
      const format = values.format!.toUpperCase() as WebhookFormat;
      const { webhook, secret } = await createWebhook(database.db, { url: values.url!, format, filter: filter as WebhookInput['filter'], schedule: schedule as WebhookInput['schedule'] }, policy);
      process.stdout.write(`created webhook ${webhook.id} (${webhook.format} → ${webhook.url})\nthe signing secret is shown this once; store it now:\n${secret}\n`);
    } else if (action === 'update') {
      const w = await updateWebhook(
        database.db,
        target!,
        {
          ...(values.url ? { url: values.url } : {}),
          ...(values.format ? { format: values.format.toUpperCase() as WebhookFormat } : {}),
          ...(filter ? { filter: filter as WebhookInput['filter'] } : {}),
          ...(schedule ? { schedule: schedule as WebhookInput['schedule'] } : {}),
          ...(values.enable || values.disable ? { enabled: !!values.enable } : {}),
        },
        policy,
      );
      process.stdout.write(`updated webhook ${w.id}\n${describeWebhook(w)}\n`);
    } else if (action === 'list') {
      const rows = await listWebhooks(database.db);
      if (rows.length === 0) process.stdout.write('no webhooks\n');
      for (const w of rows) process.stdout.write(`${describeWebhook(w)}\n`);
    } else if (action === 'rotate') {
      const { webhook, secret } = await rotateSecret(database.db, target!, Number(values['overlap-hours'] ?? 24));
      process.stdout.write(`rotated webhook ${webhook.id}; the old secret signs too until ${webhook.previousSecretUntil?.toISOString()}\n${secret}\n`);
    } else if (action === 'delete') {
      if (!(await deleteWebhook(database.db, target!))) throw new ApiError(ErrorCode.NOT_FOUND, `no webhook with id "${target}"`);
      process.stdout.write(`deleted webhook ${target}\n`);
    } else {
      const d = await redeliver(database.db, target!);
      process.stdout.write(`delivery ${d.id} will be sent again\n`);
    }
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof DataDirInUseError) process.stderr.write(`digestql: ${err.message}\n`);
    else process.stderr.write(`digestql: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
