import { inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { rowsOf } from '../../db/migrations';
import { ts } from '../../db/params';
import { entities, itemEntities } from '../../db/tables';
import type { EntityRecord } from './entities.repository';

export type Bucket = 'day' | 'week' | 'month';

export interface TrendRow {
  entityId: string;
  mentions: number;
  previous: number;
}

/** Mentions per entity in (start, end] and in the window of the same length before it, rising most first. */
export async function trending(db: Executor, start: Date, end: Date, before: Date, limit: number): Promise<TrendRow[]> {
  return rowsOf<TrendRow>(
    await db.execute(sql`
      SELECT entity_id AS "entityId", mentions::int AS mentions, previous::int AS previous FROM (
        SELECT ${itemEntities.entityId} AS entity_id,
          count(*) FILTER (WHERE ${itemEntities.publishedAt} > ${ts(start)}) AS mentions,
          count(*) FILTER (WHERE ${itemEntities.publishedAt} <= ${ts(start)}) AS previous
        FROM ${itemEntities}
        WHERE NOT ${itemEntities.draft} AND ${itemEntities.publishedAt} > ${ts(before)} AND ${itemEntities.publishedAt} <= ${ts(end)}
        GROUP BY ${itemEntities.entityId}
      ) w
      WHERE mentions > 0
      ORDER BY mentions - previous DESC, mentions DESC, entity_id
      LIMIT ${limit}`),
  );
}

export async function entitiesByIds(db: Executor, ids: readonly string[]): Promise<EntityRecord[]> {
  return ids.length ? db.select().from(entities).where(inArray(entities.id, [...ids])) : [];
}

/** Mentions per entity and bucket (UTC) in [from, to]; only buckets with mentions. */
export async function timelines(db: Executor, ids: readonly string[], from: Date, to: Date, bucket: Bucket): Promise<{ entityId: string; start: number; mentions: number }[]> {
  return rowsOf(
    await db.execute(sql`
      SELECT ${itemEntities.entityId} AS "entityId",
        extract(epoch FROM date_trunc(${bucket}, ${itemEntities.publishedAt}, 'UTC'))::float8 * 1000 AS start,
        count(*)::int AS mentions
      FROM ${itemEntities}
      WHERE ${inArray(itemEntities.entityId, [...ids])} AND NOT ${itemEntities.draft}
        AND ${itemEntities.publishedAt} >= ${ts(from)} AND ${itemEntities.publishedAt} <= ${ts(to)}
      GROUP BY 1, 2`),
  );
}

/** For each entity, the `limit` entities named in the same published items most often (ties by name). */
export async function coMentioned(db: Executor, ids: readonly string[], limit: number): Promise<(EntityRecord & { of: string })[]> {
  const rows = rowsOf<{ of: string; id: string }>(
    await db.execute(sql`
      SELECT "of", id FROM (
        SELECT a.entity_id AS "of", e.id, row_number() OVER (PARTITION BY a.entity_id ORDER BY count(*) DESC, e.name, e.id) AS r
        FROM ${itemEntities} a
        JOIN ${itemEntities} b ON b.item_id = a.item_id AND b.entity_id <> a.entity_id
        JOIN ${entities} e ON e.id = b.entity_id
        WHERE ${inArray(sql`a.entity_id`, [...ids])} AND NOT a.draft
        GROUP BY a.entity_id, e.id, e.name
      ) ranked
      WHERE r <= ${limit}
      ORDER BY "of", r`),
  );
  const byId = new Map((await entitiesByIds(db, [...new Set(rows.map((r) => r.id))])).map((e) => [e.id, e]));
  return rows.map((r) => ({ ...byId.get(r.id)!, of: r.of }));
}
