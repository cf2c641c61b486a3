import { VERSION } from '../main';

/** Every command's help text, printed by `--help` and after a usage error (tests compare it). */
/** `digestql entities`: entity aliases, directly in the configured database. */
const ENTITIES_HELP = `Usage: digestql entities alias <name> <canonical>
       digestql entities aliases
       digestql entities unalias <name>

Manages entity aliases directly in the configured database. alias makes <name> another name of the
entity <canonical> (e.g. digestql entities alias "Open AI" OpenAI): lookups, item filters, live
subscriptions, webhooks, search and trends then take either name. An entity already named <name>
is merged into <canonical> (its mentions move; removing the alias later does not split them).
Names match on their normalised key (case, width and spacing do not matter). unalias removes an
alias; later digests naming it make an entity of their own.`;

export const HELP: Record<string, string> = {
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

export function printHelp(command: keyof typeof HELP): void {
  process.stdout.write(`${HELP[command]}\n`);
}
