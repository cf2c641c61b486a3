import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import type { Logger } from './logger';
import { ErrorCode } from './errors';
import { currentRequestId } from './request-scope';

/**
 * The one error formatter for HTTP and WebSocket. Expected errors (GraphQLError with a code:
 * bad input, not found, auth, parse and validation errors) reach the client as they are;
 * anything else is logged in full and masked, so no SQL, parameter or stack leaves the server.
 */
export function formatError(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const requestId = currentRequestId();
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    const expected = original instanceof GraphQLError && code !== undefined && code !== ErrorCode.INTERNAL_SERVER_ERROR;
    if (expected) {
      const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    log.error({ err: original, path: formatted.path, requestId }, 'unexpected error in a GraphQL operation');
    return {
      message: 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) },
    };
  };
}
