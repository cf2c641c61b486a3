import { isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { itemEntities, items, itemTags, sources } from '../../db/tables';
import { buildSearchVector } from './search-doc';

const BATCH = 500;
/** Qualified: drizzle writes a lone table's columns unqualified, which a subquery's own `id` would shadow. */
const ITEM_ID = sql.raw('"items"."id"');

/**
 * Builds the search document of every item that has none: rows stored before the search column
 * existed (a migration cannot run the application's tokeniser). Runs after migrating, on both
 * databases; a no-op once every row has one. Safe beside a publish: a row the publish rewrote
 * meanwhile already has its document and is left alone.
 */
export async function backfillSearch(db: Executor): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db
      .select({
        id: items.id,
        title: items.title,
        summary: items.summary,
        details: items.details,
        applications: items.applications,
        body: items.body,
        extra: items.extra,
        entities: sql<string[]>`ARRAY(SELECT e.name FROM ${itemEntities} e WHERE e.item_id = ${ITEM_ID} ORDER BY e.position)`,
        tags: sql<string[]>`ARRAY(SELECT t.tag FROM ${itemTags} t WHERE t.item_id = ${ITEM_ID} ORDER BY t.position)`,
        sources: sql<string[]>`ARRAY(SELECT s.label FROM ${sources} s WHERE s.item_id = ${ITEM_ID} ORDER BY s.position)`,
      })
      .from(items)
      .where(isNull(items.search))
      .limit(BATCH);
    if (rows.length === 0) return total;
    const values = sql.join(
      rows.map((r) => sql`(${r.id}::uuid, ${buildSearchVector(r)}::tsvector)`),
      sql`, `,
    );
    await db.execute(sql`UPDATE ${items} SET search = v.search FROM (VALUES ${values}) AS v(id, search) WHERE ${items.id} = v.id AND ${items.search} IS NULL`);
    total += rows.length;
  }
}
