import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/**
 * A timestamp parameter for hand-written SQL. Both drivers take an ISO string with a cast,
 * while a bare Date is serialised differently by each (postgres.js refuses it in raw SQL).
 */
export const ts = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;

/**
 * `col DESC NULLS LAST`: the order drizzle-kit gives descending index columns. A plain DESC
 * (NULLS FIRST) does not match them, and Postgres then sorts every matching row instead of
 * reading the index (0.2 ms vs 40-500 ms on the ten-year benchmark corpus), even for NOT NULL columns.
 */
export const newestFirst = (column: SQLWrapper): SQL => sql`${column} DESC NULLS LAST`;
