import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Executor } from './client';
import { migrationsFolder } from './paths';

/** Migrations this build ships (drizzle-kit's journal). */
export function shippedMigrations(): number {
  const journal = JSON.parse(readFileSync(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

/** Rows of a raw query on either driver (postgres.js returns an array, PGlite `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

/**
 * How many of this build's migrations the database has not applied (drizzle's migrator records
 * each in drizzle.__drizzle_migrations). All of them when that table does not exist yet.
 */
export async function pendingMigrations(db: Executor): Promise<number> {
  const shipped = shippedMigrations();
  const [exists] = rowsOf<{ t: string | null }>(await db.execute(sql`SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t`));
  if (!exists?.t) return shipped;
  const [row] = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`));
  return Math.max(0, shipped - (row?.n ?? 0));
}

/** A server started on a Postgres database that lacks some of this build's migrations. */
export class DatabaseNotMigratedError extends Error {
  constructor(readonly pending: number) {
    super(`the database (DATABASE_URL) lacks ${pending} of this build's ${shippedMigrations()} migrations: run \`digestql migrate\` (node dist/src/cli.js migrate) first; a serving process never migrates Postgres`);
  }
}
