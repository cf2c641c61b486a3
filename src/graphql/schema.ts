import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { DateTimeScalar } from './date-time';
import { packageRoot } from '../db/paths';
import type { Resolvers } from '../generated/graphql';
import { Entity, entityQueries } from '../modules/entities/entities.resolvers';
import { Item, itemQueries } from '../modules/items/items.resolvers';
import { Report, reportQueries, Section } from '../modules/reports/reports.resolvers';
import { PublishResult, publishingMutations } from '../modules/publishing/publishing.resolvers';
import { EntityTrendFields, trendQueries } from '../modules/entities/entity-trends.resolvers';
import { EntityAliasFields, entityAliasMutations } from '../modules/entities/entity-aliases.resolvers';
import { SearchEdge, searchQueries } from '../modules/search/search.resolvers';
import { ItemEvent, Subscription } from '../realtime/realtime.resolvers';
import { ApiKey, apiKeyMutations, apiKeyQueries } from '../modules/auth/api-keys.resolvers';
import { Webhook, WebhookDelivery, webhookMutations, webhookQueries } from '../modules/webhooks/webhooks.resolvers';

/** The SDL files of schema/, in a stable order: the contract the resolvers are typed from. */
export function loadTypeDefs(): string[] {
  const dir = join(packageRoot(), 'schema');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'base.graphql' ? -1 : b === 'base.graphql' ? 1 : a.localeCompare(b)))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

export function buildSchema(version: string): GraphQLSchema {
  const resolvers: Resolvers = {
    DateTime: DateTimeScalar,
    Query: { version: () => version, ...reportQueries, ...itemQueries, ...entityQueries, ...trendQueries, ...searchQueries, ...apiKeyQueries, ...webhookQueries },
    Mutation: { ...publishingMutations, ...apiKeyMutations, ...webhookMutations, ...entityAliasMutations },
    Subscription,
    Report,
    Section,
    Item,
    Entity: { ...Entity, ...EntityTrendFields, ...EntityAliasFields },
    SearchEdge,
    ItemEvent,
    PublishResult,
    ApiKey,
    Webhook,
    WebhookDelivery,
  };
  return makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers });
}
