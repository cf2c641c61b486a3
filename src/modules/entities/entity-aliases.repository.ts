import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { entities, entityAliases, itemEntities } from '../../db/tables';
import type { EntityRecord } from './entities.repository';

export type AliasRecord = typeof entityAliases.$inferSelect;

/**
 * Alias changes and publishes exclude each other: a publish holds this lock shared from its start
 * (publishing.repository `lockSlug`), an alias change exclusively. A publish therefore resolves
 * names against aliases that cannot change under it, and an entity being merged away cannot gain
 * a mention meanwhile. Advisory locks of two int4 keys: a key space apart from the slug locks.
 */
export const ALIAS_LOCK = sql`20251209, 1`;

export async function lockAliasesExclusive(tx: Executor): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${ALIAS_LOCK})`);
}

/** The canonical entity of each of these keys that is an alias (keys that are not are absent). */
export async function canonicalsOf(db: Executor, keys: readonly string[]): Promise<Map<string, EntityRecord>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select({ alias: entityAliases.key, entity: entities })
    .from(entityAliases)
    .innerJoin(entities, eq(entities.id, entityAliases.entityId))
    .where(inArray(entityAliases.key, [...keys]));
  return new Map(rows.map((r) => [r.alias, r.entity]));
}

/** The entity with this key, or the one this key is an alias of. */
export async function findByKeyOrAlias(db: Executor, key: string): Promise<EntityRecord | null> {
  const [row] = await db
    .select()
    .from(entities)
    .where(sql`${entities.key} = ${key} OR ${entities.id} = (SELECT ${entityAliases.entityId} FROM ${entityAliases} WHERE ${entityAliases.key} = ${key})`)
    .limit(1);
  return row ?? null;
}

export async function findAlias(db: Executor, key: string): Promise<AliasRecord | null> {
  const [row] = await db.select().from(entityAliases).where(eq(entityAliases.key, key));
  return row ?? null;
}

export async function aliasesOfEntities(db: Executor, ids: readonly string[]): Promise<AliasRecord[]> {
  if (ids.length === 0) return [];
  return db.select().from(entityAliases).where(inArray(entityAliases.entityId, [...ids])).orderBy(asc(entityAliases.key));
}

/** Every alias with its canonical entity, by canonical name then alias. */
export async function listAliases(db: Executor): Promise<(AliasRecord & { canonical: EntityRecord })[]> {
  const rows = await db
    .select({ alias: entityAliases, canonical: entities })
    .from(entityAliases)
    .innerJoin(entities, eq(entities.id, entityAliases.entityId))
    .orderBy(asc(entities.key), asc(entityAliases.key));
  return rows.map((r) => ({ ...r.alias, canonical: r.canonical }));
}

export async function insertAlias(tx: Executor, row: { key: string; name: string; entityId: string }): Promise<void> {
  await tx.insert(entityAliases).values(row);
}

export async function deleteAlias(tx: Executor, key: string): Promise<void> {
  await tx.delete(entityAliases).where(eq(entityAliases.key, key));
}

/** Locks entity rows (in key order) against concurrent stats refreshes while they are merged. */
export async function lockEntities(tx: Executor, ids: readonly string[]): Promise<void> {
  await tx.select({ id: entities.id }).from(entities).where(inArray(entities.id, [...ids])).orderBy(entities.key).for('update');
}

/**
 * Moves every mention of `fromId` to `toId` and then deletes `fromId`, with its aliases moved
 * first. An item that names both keeps its mention of `toId` (one mention per item and entity).
 */
export async function mergeEntityInto(tx: Executor, fromId: string, toId: string): Promise<void> {
  await tx.execute(sql`
    DELETE FROM ${itemEntities} WHERE ${itemEntities.entityId} = ${fromId}
      AND ${itemEntities.itemId} IN (SELECT ie.item_id FROM ${itemEntities} ie WHERE ie.entity_id = ${toId})`);
  await tx.update(itemEntities).set({ entityId: toId }).where(eq(itemEntities.entityId, fromId));
  await tx.update(entityAliases).set({ entityId: toId }).where(eq(entityAliases.entityId, fromId));
  await tx.delete(entities).where(eq(entities.id, fromId));
}

/** Every item (drafts too) that mentions the entity: whose search documents hold its names. */
export async function itemIdsOfEntity(db: Executor, entityId: string): Promise<string[]> {
  const rows = await db.select({ id: itemEntities.itemId }).from(itemEntities).where(eq(itemEntities.entityId, entityId));
  return rows.map((r) => r.id);
}
