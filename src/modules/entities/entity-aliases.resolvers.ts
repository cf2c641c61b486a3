import type { EntityResolvers, MutationResolvers } from '../../generated/graphql';
import { requireScope } from '../auth/auth.service';
import * as aliases from './entity-aliases.service';

export const entityAliasMutations: Pick<MutationResolvers, 'aliasEntity' | 'removeEntityAlias'> = {
  aliasEntity: (_p, { alias, canonical }, ctx) => {
    requireScope(ctx.auth, 'admin', 'aliasing entities');
    return aliases.aliasEntity(ctx.db, alias, canonical);
  },
  removeEntityAlias: (_p, { alias }, ctx) => {
    requireScope(ctx.auth, 'admin', 'removing entity aliases');
    return aliases.removeEntityAlias(ctx.db, alias);
  },
};

/** `Entity.aliases` (merged into the Entity resolvers). */
export const EntityAliasFields: Pick<EntityResolvers, 'aliases'> = {
  aliases: (e, _a, ctx) => ctx.loaders.aliasesByEntityId.load(e.id),
};
