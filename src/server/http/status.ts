import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../graphql/errors';

/**
 * The HTTP side of the core's refusals: the status (and headers) each code answers with. The core
 * says what went wrong (an ErrorCode); this table is the one place that says it in HTTP.
 */
const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.GRAPHQL_PARSE_FAILED]: 400,
  [ErrorCode.GRAPHQL_VALIDATION_FAILED]: 400,
  [ErrorCode.RESPONSE_TOO_LARGE]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.DATABASE_UNAVAILABLE]: 503,
};

/** Headers a refusal with this code carries besides its status. */
const HEADERS: Partial<Record<ErrorCode, Record<string, string>>> = {
  [ErrorCode.UNAUTHENTICATED]: { 'www-authenticate': 'Bearer' },
  [ErrorCode.DATABASE_UNAVAILABLE]: { 'retry-after': '1' },
};

/** The status and headers of a response refused with `code` (500 for a code that is not the client's). */
export function httpHead(code: unknown, extra: Record<string, string> = {}): { status: number; headers: Record<string, string> } {
  const c = code as ErrorCode;
  return { status: STATUS[c] ?? 500, headers: { ...(HEADERS[c] ?? {}), ...extra } };
}

/** The error as Apollo sends it when thrown from a plugin: with the status and headers of its code. */
export function withHttpHead(error: GraphQLError, extra: Record<string, string> = {}): GraphQLError {
  const { status, headers } = httpHead(error.extensions.code, extra);
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status, headers: new HeaderMap(Object.entries(headers)) } } });
}
