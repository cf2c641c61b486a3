import type { ApiKeyResolvers, ApiKeyScope, MutationResolvers, QueryResolvers } from '../../generated/graphql';
import { createApiKey, listApiKeys, revokeApiKey, type Scope } from './api-keys';
import { requireScope } from './auth.service';

const toScope = (s: ApiKeyScope): Scope => s.toLowerCase() as Scope;

export const apiKeyQueries: Pick<QueryResolvers, 'apiKeys'> = {
  apiKeys: (_p, _a, ctx) => {
    requireScope(ctx.auth, 'admin', 'listing API keys');
    return listApiKeys(ctx.db);
  },
};

export const apiKeyMutations: Pick<MutationResolvers, 'createApiKey' | 'revokeApiKey'> = {
  createApiKey: async (_p, { input }, ctx) => {
    requireScope(ctx.auth, 'admin', 'creating API keys');
    const { key, record } = await createApiKey(ctx.db, { name: input.name, scopes: input.scopes.map(toScope), expiresAt: input.expiresAt ?? null });
    return { key, apiKey: record };
  },
  revokeApiKey: async (_p, { id }, ctx) => {
    requireScope(ctx.auth, 'admin', 'revoking API keys');
    return revokeApiKey(ctx.db, id);
  },
};

export const ApiKey: ApiKeyResolvers = {
  scopes: (k) => k.scopes.map((s) => s.toUpperCase() as ApiKeyScope),
  status: (k) => (k.revokedAt ? 'REVOKED' : k.expiresAt && k.expiresAt <= new Date() ? 'EXPIRED' : 'LIVE'),
};
