import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { rowsOf } from '../../db/migrations';

export type RelationReason = 'SAME_SOURCE' | 'SHARED_ENTITIES' | 'SIMILAR_TEXT';

export interface RelationRow {
  of: string;
  id: string;
  reason: RelationReason;
  publishedAt: Date;
  position: number;
}

const ids = (list: readonly string[]) => sql.join(list.map((id) => sql`${id}::uuid`), sql`, `);

/**
 * Published items of other reports sharing a source URL (arXiv ids are canonical URLs) or two or
 * more entities with each of `itemIds`.
 */
export async function relatedBySourceOrEntities(db: Executor, itemIds: readonly string[]): Promise<RelationRow[]> {
  const rows = rowsOf<RelationRow & { publishedAt: string | Date }>(
    await db.execute(sql`
      SELECT r."of", r.id, r.reason, i.published_at AS "publishedAt", i.position
      FROM (
        SELECT s1.item_id AS "of", s2.item_id AS id, 'SAME_SOURCE' AS reason
        FROM sources s1 JOIN sources s2 ON s2.url = s1.url AND s2.item_id <> s1.item_id
        WHERE s1.item_id IN (${ids(itemIds)}) AND s1.url IS NOT NULL
        UNION
        SELECT a.item_id, b.item_id, 'SHARED_ENTITIES'
        FROM item_entities a JOIN item_entities b ON b.entity_id = a.entity_id AND b.item_id <> a.item_id AND NOT b.draft
        WHERE a.item_id IN (${ids(itemIds)})
        GROUP BY a.item_id, b.item_id HAVING count(*) >= 2
      ) r
      JOIN items i ON i.id = r.id AND NOT i.draft
      JOIN items o ON o.id = r."of" AND o.report_id <> i.report_id`),
  );
  return rows.map((r) => ({ ...r, publishedAt: new Date(r.publishedAt) }));
}

/** Per item, the newest 50 published items of other reports whose title matches `tsquery` (an OR of its title's tokens). */
export async function titleCandidates(db: Executor, queries: readonly { id: string; tsquery: string }[]): Promise<(RelationRow & { title: string })[]> {
  if (queries.length === 0) return [];
  const values = sql.join(queries.map((q) => sql`(${q.id}::uuid, ${q.tsquery}::tsquery)`), sql`, `);
  const rows = rowsOf<RelationRow & { title: string; publishedAt: string | Date }>(
    await db.execute(sql`
      SELECT x.id AS "of", c.id, 'SIMILAR_TEXT' AS reason, c.published_at AS "publishedAt", c.position, c.title
      FROM (VALUES ${values}) AS x(id, q)
      CROSS JOIN LATERAL (
        SELECT i.id, i.published_at, i.position, i.title FROM items i
        WHERE NOT i.draft AND i.search @@ x.q AND i.report_id <> (SELECT o.report_id FROM items o WHERE o.id = x.id)
        ORDER BY i.published_at DESC LIMIT 50
      ) c`),
  );
  return rows.map((r) => ({ ...r, publishedAt: new Date(r.publishedAt) }));
}
