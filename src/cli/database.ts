import { GraphQLError } from 'graphql';
import type { Env } from '../config/env';
import type { Database } from '../db/client';
import { databaseFromEnv } from '../main';

/**
 * Runs an admin command on the configured database (the embedded one migrated first): an API
 * error (bad input, not found) is printed on one line and exits 1; the database is closed.
 */
export async function withDatabase(command: string, env: Env, run: (database: Database) => Promise<void>): Promise<number> {
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
