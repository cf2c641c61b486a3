import { z } from 'zod';
import type { ApiKeyResolvers, ApiKeyScope, MutationResolvers, QueryResolvers } from '../../generated/graphql';
import { parseInput, strictInput } from '../../graphql/input';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys';
import { requireScope } from './auth.service';

/** `CreateApiKeyInput` as plain data (the key's own rules are createApiKey's). */
const createApiKeyInput = strictInput(
  {
    name: z.string(),
    scopes: z.array(z.string().transform((s) => s.toLowerCase())).max(10, 'at most 10'),
    expiresAt: z.date().nullish(),
  },
  '{"name":"partner-a","scopes":["READ"]}',
);

export const apiKeyQueries: Pick<QueryResolvers, 'apiKeys'> = {
  apiKeys: (_p, _a, ctx) => {
    requireScope(ctx.auth, 'admin', 'listing API keys');
    return listApiKeys(ctx.db);
  },
};

export const apiKeyMutations: Pick<MutationResolvers, 'createApiKey' | 'revokeApiKey'> = {
  createApiKey: async (_p, { input }, ctx) => {
    requireScope(ctx.auth, 'admin', 'creating API keys');
    const { key, record } = await createApiKey(ctx.db, parseInput(createApiKeyInput, input, 'input'));
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
