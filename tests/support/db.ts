import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/db/client';

/** Set by CI (and `npm run test:pg`): run the suite on real Postgres instead of PGlite. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const onRealPostgres = TEST_DATABASE_URL !== undefined;

export interface TestDatabase extends Database {
  /** postgres:// URL of this test's own database (real Postgres only). */
  url: string | undefined;
  /** Closes and, on real Postgres, drops the database. */
  dispose(): Promise<void>;
}

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/**
 * A clean, migrated database for one test file: a new in-memory PGlite, or a new database on
 * the real server named by TEST_DATABASE_URL (dropped again by `dispose`).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) {
    const db = await openDatabase({ dataDir: 'memory://' });
    await db.migrate();
    return Object.assign(db, { url: undefined, dispose: () => db.close() });
  }
  const name = `dq_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(TEST_DATABASE_URL, name);
  const db = await openDatabase({ url, poolMax: 5 });
  await db.migrate();
  return Object.assign(db, {
    url,
    dispose: async () => {
      await db.close();
      const drop = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => undefined });
      await drop.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await drop.end();
    },
  });
}

/** Runs raw SQL on the test database (setup that no API offers, such as a failing trigger). */
export async function rawSql(db: Database, text: string): Promise<void> {
  await db.db.execute(sql.raw(text));
}
