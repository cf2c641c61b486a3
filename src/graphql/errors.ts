import { GraphQLError, type GraphQLErrorOptions } from 'graphql';

/** Every `extensions.code` a client may see. Documented in the README. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_REQUEST',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  RATE_LIMITED: 'RATE_LIMITED',
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An expected failure: its message and code reach the client as they are. Every coded error the
 * server makes is one of these (the formatter gives graphql-js's and Apollo's their codes), so a
 * code is written in one place: here, with the constructors below for the ones several places send.
 */
export class ApiError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, at: Pick<GraphQLErrorOptions, 'nodes' | 'source' | 'positions' | 'path'> = {}) {
    super(message, { ...at, extensions: { ...extensions, code } });
  }
}

export const DATABASE_UNAVAILABLE_MESSAGE = 'the database is unavailable or overloaded; retry shortly';

/** The database cannot serve now (connection lost, pool or statement timeout): clients retry. */
export const databaseUnavailable = (extensions: Record<string, unknown> = {}): ApiError => new ApiError(ErrorCode.DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE, extensions);

/** A credential was sent but is not a live one: never read as anonymous. */
export const invalidCredential = (): ApiError =>
  new ApiError(ErrorCode.UNAUTHENTICATED, 'the Authorization header holds no valid credential: expected "Bearer <key>" with a live (not revoked, not expired) API key');

export const badUserInput = (argument: string, message: string, extra: Record<string, unknown> = {}): ApiError =>
  new ApiError(ErrorCode.BAD_USER_INPUT, `${argument}: ${message}`, { argument, ...extra });
