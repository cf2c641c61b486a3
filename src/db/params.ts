import { sql, type SQL } from 'drizzle-orm';

/**
 * A timestamp parameter for hand-written SQL. Both drivers take an ISO string with a cast,
 * while a bare Date is serialised differently by each (postgres.js refuses it in raw SQL).
 */
export const ts = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;
