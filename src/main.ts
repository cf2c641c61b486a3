import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnv, type Env } from './config/env';
import { openDatabase, type Database } from './db/client';
import { packageRoot } from './db/paths';
import { hasAnyReport } from './modules/reports/reports.repository';
import { collectMarkdownFiles, ingestFiles } from './modules/publishing/ingest-files';
import { createApp, type App } from './server/app';
import { createLogger, type Logger } from './server/logger';
import { buildSchema } from './server/schema';

export const VERSION: string = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

export function databaseFromEnv(env: Env): Promise<Database> {
  return openDatabase({
    url: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    poolMax: env.DB_POOL_MAX,
    connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
  });
}

export interface Running {
  url: string;
  app: App;
  database: Database;
  stop(): Promise<void>;
}

/**
 * Composition root: config → database (migrated and seeded when embedded) → schema → HTTP.
 * Real Postgres is migrated by `digestql migrate` before a deploy, never by a serving process.
 */
export async function startServer(env: Env = loadEnv(), log: Logger = createLogger(env.LOG_LEVEL)): Promise<Running> {
  const database = await databaseFromEnv(env);
  try {
    if (database.kind === 'pglite') {
      await database.migrate();
      const seed = env.SEED_EXAMPLES ?? true;
      if (seed && !(await hasAnyReport(database.db))) {
        const files = await collectMarkdownFiles([join(packageRoot(), 'examples')]);
        const outcomes = await ingestFiles(database, files);
        log.info({ loaded: outcomes.filter((o) => o.ok).length }, 'first start: loaded the example digests');
      }
    }
    const app = await createApp({
      database,
      schema: buildSchema(VERSION),
      log,
      maxPageSize: env.MAX_PAGE_SIZE,
      introspection: env.INTROSPECTION ?? env.NODE_ENV !== 'production',
    });
    const url = await app.listen(env.PORT, env.HOST);
    log.info({ url: `${url}/graphql`, database: database.kind }, 'digestql is serving');
    return {
      url,
      app,
      database,
      stop: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}
