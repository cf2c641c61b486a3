import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLContext } from '../../graphql/context';
import type { OperationCore } from '../../graphql/operation';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../metrics';
import { getCachePlugin, persistedQueries } from '../persisted-queries';
import type { CachedReads } from './cached-reads';
import { admissionPlugin, clientRequestError, operationLogPlugin, refusalStatusPlugin } from './apollo-plugins';

export interface ApolloOptions {
  core: OperationCore;
  metrics: Metrics;
  log: Logger;
  hideSuggestions: boolean;
  persistedQueryCacheBytes: number;
  getCacheMaxAge: number;
  cacheControl: boolean;
  /** The response cache of the HTTP path (its Apollo side decides what may be stored). */
  cachedReads: CachedReads;
}

/** Apollo Server as the HTTP adapter's executor: the core's parse limits, rules, admission and formatter. */
export async function startApollo(options: ApolloOptions): Promise<ApolloServer<GraphQLContext>> {
  const { core, log } = options;
  const apollo = new ApolloServer<GraphQLContext>({
    schema: core.schema,
    // Introspection is one of the core's rules (operationRules), so that graphql-ws refuses it alike:
    // Apollo's own switch stays on to not report it twice.
    validationRules: core.rules,
    parseOptions: core.parseOptions,
    hideSchemaDetailsFromClientErrors: options.hideSuggestions,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The process owns SIGTERM/SIGINT (src/cli.ts: close sockets with 1001, drain, close the
    // database, exit 0). Apollo's own handler would stop Apollo and re-raise the signal, killing the
    // process mid-shutdown (exit 143, the embedded database left open) outside NODE_ENV=test.
    stopOnTerminationSignals: false,
    persistedQueries: persistedQueries(options.persistedQueryCacheBytes),
    formatError: (formatted, error) => core.format(clientRequestError(formatted, error) ?? formatted, error),
    // Cache-control hints cost throughput on large nested responses and nothing here uses them
    // (bench/RESULTS.md measures both); APOLLO_CACHE_CONTROL=true brings Apollo's default back.
    plugins: [
      ...(options.cacheControl ? [] : [ApolloServerPluginCacheControlDisabled()]),
      ApolloServerPluginLandingPageDisabled(),
      admissionPlugin(core, options.metrics),
      refusalStatusPlugin(),
      options.metrics.apolloPlugin<GraphQLContext>(),
      operationLogPlugin(log),
      getCachePlugin(options.getCacheMaxAge),
      options.cachedReads.plugin(),
    ],
    logger: {
      debug: (m: unknown) => log.debug(m),
      info: (m: unknown) => log.info(m),
      warn: (m: unknown) => log.warn(m),
      error: (m: unknown) => log.error(m),
    },
  });
  await apollo.start();
  return apollo;
}
