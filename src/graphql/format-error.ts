import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import type { Logger } from '../observability/logger';
import { DATABASE_UNAVAILABLE_MESSAGE, ErrorCode } from './errors';
import { currentRequestId } from './request-scope';
import { hideSuggestions } from './limits';

/**
 * Errors that mean "the database cannot serve now" (not "this request is wrong"): connection
 * failures of the driver, Postgres shutting down or refusing connections, a statement cancelled
 * by the pool-wait or statement timeout. Clients may retry these.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (['POOL_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED'].includes(code)) return true;
  // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now; 57014: cancelled; 53300: too many connections.
  if (/^08/.test(code) || ['57P01', '57P02', '57P03', '57014', '53300'].includes(code)) return true;
  // Drizzle wraps driver errors ("Failed query: …") with the driver's error as the cause; graphql-js
  // wraps a thrown non-Error (postgres.js rejects some connection failures with plain objects);
  // Apollo wraps what a plugin hook throws (the rate-limit charge, before any resolver) in a
  // GraphQLError with no path whose originalError is the failure.
  const inner = e.cause ?? (e as { thrownValue?: unknown }).thrownValue ?? (e as { originalError?: unknown }).originalError;
  return inner != null && inner !== err && isDatabaseUnavailable(inner);
}

/** Postgres refused a text parameter: 22021, "invalid byte sequence for encoding UTF8: 0x00". */
function isUnstorableText(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === '22021') return true;
  const inner = e.cause ?? (e as { originalError?: unknown }).originalError;
  return inner != null && inner !== err && isUnstorableText(inner);
}

/**
 * The one error formatter for HTTP and WebSocket. Expected errors (GraphQLError with a code:
 * bad input, not found, auth, parse and validation errors) reach the client as they are;
 * anything else is logged in full and masked, so no SQL, parameter or stack leaves the server.
 */
export function formatError(log: Logger, options: { hideSuggestions?: boolean } = {}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const requestId = currentRequestId();
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    const expected = original instanceof GraphQLError && code !== undefined && code !== ErrorCode.INTERNAL_SERVER_ERROR;
    if (expected) {
      const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
      // Validation and variable errors alike: whatever phase wrote the suggestion, it goes here.
      return { ...formatted, ...(options.hideSuggestions ? { message: hideSuggestions(formatted.message) } : {}), extensions };
    }
    if (isUnstorableText(original)) {
      // A safety net: arguments are checked where they enter (src/server/unstorable-text.ts,
      // src/server/input.ts); one that still reached SQL is the caller's text, not our fault.
      return {
        message: 'an argument contains a NUL character (U+0000), which text cannot hold',
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: ErrorCode.BAD_USER_INPUT, ...(requestId ? { requestId } : {}) },
      };
    }
    if (isDatabaseUnavailable(original)) {
      log.warn({ err: original, path: formatted.path, requestId }, 'database unavailable');
      return {
        message: DATABASE_UNAVAILABLE_MESSAGE,
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: ErrorCode.DATABASE_UNAVAILABLE, ...(requestId ? { requestId } : {}) },
      };
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
