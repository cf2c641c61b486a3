import { z } from 'zod';
import type { Db } from '../../db/client';
import { ApiError, badUserInput, ErrorCode } from '../../graphql/errors';
import { parseInput } from '../../graphql/input';
import { normaliseKey } from '../../ingest';
import { refreshEntityStats } from '../publishing/publishing.repository';
import { reindexItems } from '../search/search-index.repository';
import { appendEntitiesChanged } from '../events/events.repository';
import type { EntityRecord } from './entities.repository';
import * as repo from './entity-aliases.repository';

/**
 * Entity aliases: one entity under several names (`Open AI` → OpenAI, `Alibaba` → 阿里巴巴).
 *
 * - A name is keyed like entities are (`normaliseKey`: NFKC, case-folded, whitespace collapsed),
 *   so `open  ai` is the alias `Open AI`. An alias always points at a canonical entity, never at
 *   another alias: naming an alias as the canonical means its entity.
 * - Aliasing a name that is already an entity merges that entity into the canonical one, in one
 *   transaction: its mentions move (an item naming both keeps one), its own aliases move, its
 *   counts join the canonical's and it is deleted. This is not undone by removing the alias.
 * - From then on, a publish that names the alias attaches the mention to the canonical entity
 *   (the item keeps the name as written). Lookups, filters and search accept any name of it.
 * - Search documents of the canonical entity's items are rebuilt in the same transaction, so a
 *   search for a new alias finds them from the commit on (and a removed one no longer does).
 */

const nameInput = z.string().max(200, 'must be at most 200 characters');

/** A name as given (whitespace collapsed) and its key; an empty one is refused naming the argument. */
function parseName(value: unknown, argument: string): { name: string; key: string } {
  const name = parseInput(nameInput, value, argument).replace(/\s+/g, ' ').trim();
  const key = normaliseKey(name);
  if (!key) throw badUserInput(argument, 'must not be empty');
  return { name, key };
}

/**
 * Makes `alias` another name of the entity `canonical`; returns the canonical entity. Idempotent
 * for an alias that already points there. Refused: an alias of itself, a cycle (the canonical is
 * an alias of `alias`), an alias that already points at another entity, an unknown canonical.
 */
export async function aliasEntity(db: Db, aliasArg: unknown, canonicalArg: unknown): Promise<EntityRecord> {
  const alias = parseName(aliasArg, 'alias');
  const given = parseName(canonicalArg, 'canonical');
  if (alias.key === given.key) throw badUserInput('alias', `"${alias.name}" and "${given.name}" are the same name (key "${alias.key}"): an entity cannot be its own alias`);
  return db.transaction(async (tx) => {
    await repo.lockAliasesExclusive(tx);
    const canonical = await repo.findByKeyOrAlias(tx, given.key);
    if (!canonical) throw new ApiError(ErrorCode.NOT_FOUND, `canonical: no entity is named "${given.name}" (key "${given.key}"); name an entity that items mention`, { argument: 'canonical' });
    if (canonical.key === alias.key) {
      throw badUserInput('canonical', `"${given.name}" is already an alias of "${alias.name}": aliasing "${alias.name}" to it would make a cycle`);
    }
    const existing = await repo.findAlias(tx, alias.key);
    if (existing) {
      if (existing.entityId === canonical.id) return canonical;
      const other = (await repo.canonicalsOf(tx, [alias.key])).get(alias.key)!;
      throw badUserInput('alias', `"${alias.name}" is already an alias of "${other.name}"; remove it first (removeEntityAlias, or digestql entities unalias)`);
    }
    const merged = await repo.findByKeyOrAlias(tx, alias.key);
    if (merged) {
      await repo.lockEntities(tx, [merged.id, canonical.id]);
      await repo.mergeEntityInto(tx, merged.id, canonical.id);
    }
    await repo.insertAlias(tx, { key: alias.key, name: alias.name, entityId: canonical.id });
    await refreshEntityStats(tx, [canonical.key]);
    await reindexItems(tx, await repo.itemIdsOfEntity(tx, canonical.id));
    await appendEntitiesChanged(tx, [alias.key, canonical.key], `alias "${alias.name}" of "${canonical.name}" added`);
    return (await repo.findByKeyOrAlias(tx, canonical.key))!;
  });
}

/**
 * Removes an alias; returns the entity it named. Mentions merged when it was added stay with that
 * entity; from now on a publish naming it makes (or finds) an entity of its own.
 */
export async function removeEntityAlias(db: Db, aliasArg: unknown): Promise<EntityRecord> {
  const alias = parseName(aliasArg, 'alias');
  return db.transaction(async (tx) => {
    await repo.lockAliasesExclusive(tx);
    const existing = await repo.findAlias(tx, alias.key);
    if (!existing) throw new ApiError(ErrorCode.NOT_FOUND, `alias: "${alias.name}" is not an alias (key "${alias.key}")`, { argument: 'alias' });
    const canonical = (await repo.findByKeyOrAlias(tx, alias.key))!;
    await repo.deleteAlias(tx, alias.key);
    await reindexItems(tx, await repo.itemIdsOfEntity(tx, canonical.id));
    await appendEntitiesChanged(tx, [alias.key, canonical.key], `alias "${alias.name}" of "${canonical.name}" removed`);
    return canonical;
  });
}

export { listAliases } from './entity-aliases.repository';
