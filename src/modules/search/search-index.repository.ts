import { asc, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { chunks } from '../../db/batch';
import type { Executor } from '../../db/client';
import { entities, entityAliases, itemEntities, items, itemTags, sources } from '../../db/tables';
import { buildSearchVector } from './search-doc';

const BATCH = 500;
/** Qualified: drizzle writes a lone table's columns unqualified, which a subquery's own `id` would shadow. */
const ITEM_ID = sql.raw('"items"."id"');

/**
 * The names an item's entities are indexed under, in mention order: the name as the item wrote
 * it, the entity's own name and its aliases (`buildSearchVector` drops repeats). Publishing
 * indexes the same list (publishing.service `searchFieldsOf`).
 */
const ENTITY_NAMES = sql<string[]>`ARRAY(
  SELECT n FROM (
    SELECT ie.position AS p, 0 AS k, ie.name AS n FROM ${itemEntities} ie WHERE ie.item_id = ${ITEM_ID}
    UNION ALL SELECT ie.position, 1, e.name FROM ${itemEntities} ie JOIN ${entities} e ON e.id = ie.entity_id WHERE ie.item_id = ${ITEM_ID}
    UNION ALL SELECT ie.position, 2, a.name FROM ${itemEntities} ie JOIN ${entityAliases} a ON a.entity_id = ie.entity_id WHERE ie.item_id = ${ITEM_ID}
  ) names ORDER BY p, k, n)`;

/** Rebuilds the search document of up to BATCH items matching `where`; returns the ids written. */
async function rebuild(db: Executor, where: SQL | undefined, onlyIfEmpty: boolean): Promise<string[]> {
  const rows = await db
    .select({
      id: items.id,
      title: items.title,
      summary: items.summary,
      details: items.details,
      applications: items.applications,
      body: items.body,
      extra: items.extra,
      entities: ENTITY_NAMES,
      tags: sql<string[]>`ARRAY(SELECT t.tag FROM ${itemTags} t WHERE t.item_id = ${ITEM_ID} ORDER BY t.position)`,
      sources: sql<string[]>`ARRAY(SELECT s.label FROM ${sources} s WHERE s.item_id = ${ITEM_ID} ORDER BY s.position)`,
    })
    .from(items)
    .where(where)
    .orderBy(asc(items.id))
    .limit(BATCH);
  if (rows.length === 0) return [];
  const values = sql.join(
    rows.map((r) => sql`(${r.id}::uuid, ${buildSearchVector(r)}::tsvector)`),
    sql`, `,
  );
  await db.execute(sql`UPDATE ${items} SET search = v.search FROM (VALUES ${values}) AS v(id, search) WHERE ${items.id} = v.id${onlyIfEmpty ? sql` AND ${items.search} IS NULL` : sql``}`);
  return rows.map((r) => r.id);
}

/**
 * Builds the search document of every item that has none: rows stored before the search column
 * existed (a migration cannot run the application's tokeniser). Runs after migrating, on both
 * databases; a no-op once every row has one. Safe beside a publish: a row the publish rewrote
 * meanwhile already has its document and is left alone.
 */
export async function backfillSearch(db: Executor): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await rebuild(db, isNull(items.search), true);
    if (done.length === 0) return total;
    total += done.length;
  }
}

/**
 * Rebuilds the search documents of these items from their stored rows (in the caller's
 * transaction): after an entity's names changed (an alias added or removed), its items must be
 * found by the new names and no longer by the old ones, from the same commit on.
 */
export async function reindexItems(db: Executor, ids: readonly string[]): Promise<number> {
  let total = 0;
  // A part is at most one batch: one read and one write each.
  for (const part of chunks([...ids], BATCH)) total += (await rebuild(db, inArray(items.id, part), false)).length;
  return total;
}
