// First: patches postgres.js before anything loads it (see the file).
import './postgres-write-guard';
import { mkdirSync } from 'node:fs';
import type { ExtractTablesWithRelations, Logger } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { backfillSearch } from '../modules/search/search-index.repository';
import { lockDataDir } from './data-dir-lock';
import { migrationsFolder } from './paths';
import * as tables from './tables';

export type Schema = typeof tables;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** What repositories take: the database or an open transaction. */
export type Executor = Db | Tx;

export interface DatabaseOptions {
  /** postgres:// URL: real Postgres through postgres.js. Unset: embedded PGlite. */
  url?: string;
  /** PGlite data directory, or `memory://` for an in-memory database. */
  dataDir?: string;
  poolMax?: number;
  connectTimeoutMs?: number;
  /** A query still waiting for a free pool connection after this long is given up (0: wait). */
  poolTimeoutMs?: number;
  /** Postgres's statement_timeout for every statement (0: none). */
  statementTimeoutMs?: number;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** SQL statements run through `db` since start: tests use it to catch N+1. */
  readonly statements: { count: number };
  migrate(): Promise<void>;
  ping(): Promise<void>;
  /**
   * LISTEN on a channel. `onReady` runs once listening and again after every reconnection,
   * so a reader can catch up on whatever it missed while the connection was down.
   * Resolves to a function that stops listening.
   */
  listen(channel: string, onNotify: (payload: string) => void, onReady: () => void): Promise<() => Promise<void>>;
  /** Statements and transactions holding or waiting for a pool connection (Postgres with a pool timeout). */
  pool(): { inUse: number; waiting: number; max: number } | null;
  close(): Promise<void>;
}

const counter = (): { count: number; logger: Logger } => {
  const stats = { count: 0 };
  return Object.assign(stats, { logger: { logQuery: () => void stats.count++ } });
};

/**
 * postgres.js queues a query until a pool connection is free, with no limit. This puts a gate
 * with a wait limit in front of the pool: at most `max` statements and transactions at once
 * (what the pool can serve), and one that cannot start within `ms` fails with POOL_TIMEOUT
 * (reported as DATABASE_UNAVAILABLE) before it reached the driver: nothing of it runs later.
 */
function limitPoolWait(sql: postgres.Sql, max: number, ms: number): { client: postgres.Sql; stats: () => { inUse: number; waiting: number; max: number } } {
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = (): Promise<void> => {
    if (active < max) {
      active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const go = (): void => {
        clearTimeout(timer);
        active++;
        resolve();
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(go), 1);
        reject(Object.assign(new Error(`no database connection free within ${ms} ms`), { code: 'POOL_TIMEOUT' }));
      }, ms);
      waiting.push(go);
    });
  };
  const release = (): void => {
    active--;
    waiting.shift()?.();
  };
  const gated = async <T>(run: () => PromiseLike<T>): Promise<T> => {
    await acquire();
    try {
      return await run();
    } finally {
      release();
    }
  };
  const unsafe = sql.unsafe.bind(sql);
  // Drizzle calls unsafe(...) and then, for array rows, .values() on the lazy query before awaiting it.
  const gatedUnsafe = ((...args: Parameters<typeof sql.unsafe>) => {
    let values = false;
    const lazy = {
      values: () => {
        values = true;
        return lazy;
      },
      then: <A, B>(ok?: (v: unknown) => A, fail?: (e: unknown) => B) =>
        gated(() => {
          const q = unsafe(...args);
          return values ? q.values() : q;
        }).then(ok, fail),
    };
    return lazy;
  }) as unknown as typeof sql.unsafe;
  const begin = sql.begin.bind(sql) as (...a: unknown[]) => Promise<unknown>;
  const gatedBegin = ((...args: unknown[]) => gated(() => begin(...args))) as typeof sql.begin;
  // A view for drizzle only: postgres.js's own internals (begin's BEGIN, LISTEN) keep the real methods.
  const client = new Proxy(sql, {
    get: (target, prop, receiver) => (prop === 'unsafe' ? gatedUnsafe : prop === 'begin' ? gatedBegin : Reflect.get(target, prop, receiver)),
  });
  return { client, stats: () => ({ inUse: active, waiting: waiting.length, max }) };
}

/** One code path for both databases: the same drizzle API, migrations and repositories. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options.dataDir ?? './data');
}

async function openPglite(dataDir: string): Promise<Database> {
  let release = (): void => undefined;
  if (!dataDir.includes('://')) {
    mkdirSync(dataDir, { recursive: true });
    release = lockDataDir(dataDir);
  }
  let client: PGlite;
  try {
    client = await PGlite.create(dataDir);
  } catch (err) {
    release();
    throw err;
  }
  const stats = counter();
  const db = drizzlePglite({ client, schema: tables, logger: stats.logger }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    statements: stats,
    migrate: async () => {
      await migratePglite(drizzlePglite({ client }), { migrationsFolder: migrationsFolder() });
      await backfillSearch(db);
    },
    ping: async () => {
      await client.query('SELECT 1');
    },
    listen: async (channel, onNotify, onReady) => {
      // In-process: the same code path as Postgres, with no connection to lose.
      const stop = await client.listen(channel, onNotify);
      onReady();
      return stop;
    },
    pool: () => null,
    close: async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const sql = postgres(url, {
    max: options.poolMax ?? 10,
    connect_timeout: Math.ceil((options.connectTimeoutMs ?? 5000) / 1000),
    onnotice: () => undefined,
    // Timestamps come back as Date; bigint ids as numbers (they stay far below 2^53).
    types: { bigint: postgres.BigInt },
    ...(options.statementTimeoutMs ? { connection: { statement_timeout: options.statementTimeoutMs } } : {}),
  });
  const stats = counter();
  const gate = options.poolTimeoutMs ? limitPoolWait(sql, options.poolMax ?? 10, options.poolTimeoutMs) : null;
  const db = drizzlePostgres({ client: gate?.client ?? sql, schema: tables, logger: stats.logger }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    statements: stats,
    migrate: async () => {
      // Several instances may start at once: one migrates, the others wait on the lock.
      // A one-connection client keeps the lock and the migration on the same session.
      const single = postgres(url, { max: 1, onnotice: () => undefined });
      try {
        await single`SELECT pg_advisory_lock(7262531)`;
        await migratePostgres(drizzlePostgres({ client: single }), { migrationsFolder: migrationsFolder() });
        // What SQL cannot fill (search documents are tokenised in JS), under the same lock.
        await backfillSearch(drizzlePostgres({ client: single, schema: tables }) as unknown as Db);
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    ping: async () => {
      await sql`SELECT 1`;
    },
    listen: async (channel, onNotify, onReady) => {
      // postgres.js keeps one dedicated LISTEN connection and reconnects it by itself,
      // calling onReady again each time.
      const { unlisten } = await sql.listen(channel, onNotify, onReady);
      return unlisten;
    },
    pool: () => gate?.stats() ?? null,
    close: () => sql.end({ timeout: 5 }),
  };
}
