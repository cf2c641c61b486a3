import { loadEnv } from '../config/env';
import { databaseFromEnv } from '../main';

/** `digestql migrate`: applies pending migrations to the configured database. */
export async function migrate(): Promise<number> {
  const database = await databaseFromEnv(loadEnv());
  try {
    await database.migrate();
    process.stdout.write(`migrations applied (${database.kind})\n`);
    return 0;
  } finally {
    await database.close();
  }
}
