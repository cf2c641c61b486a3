import { GraphQLError } from 'graphql';
import { ApiError, ErrorCode } from '../../../../src/graphql/errors';
import { httpHead, withHttpHead } from '../../../../src/server/http/status';

describe('HTTP status of a refusal, by its code', () => {
  it.each([
    [ErrorCode.BAD_REQUEST, 400],
    [ErrorCode.BAD_USER_INPUT, 400],
    [ErrorCode.GRAPHQL_VALIDATION_FAILED, 400],
    [ErrorCode.UNAUTHENTICATED, 401],
    [ErrorCode.FORBIDDEN, 403],
    [ErrorCode.RATE_LIMITED, 429],
    [ErrorCode.DATABASE_UNAVAILABLE, 503],
    [ErrorCode.INTERNAL_SERVER_ERROR, 500],
  ])('%s is %d', (code, status) => {
    expect(httpHead(code).status).toBe(status);
  });

  it('asks for a bearer credential on 401 and says when to retry on 503', () => {
    expect(httpHead(ErrorCode.UNAUTHENTICATED).headers).toEqual({ 'www-authenticate': 'Bearer' });
    expect(httpHead(ErrorCode.DATABASE_UNAVAILABLE).headers).toEqual({ 'retry-after': '1' });
    expect(httpHead(ErrorCode.FORBIDDEN).headers).toEqual({});
  });

  it('puts status and headers where Apollo reads them, keeping message and extensions', () => {
    const e = withHttpHead(new ApiError(ErrorCode.RATE_LIMITED, 'slow down', { retryAfter: 3 }), { 'retry-after': '3' });
    expect(e).toBeInstanceOf(GraphQLError);
    expect(e.message).toBe('slow down');
    expect(e.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 3 });
    const http = e.extensions.http as { status: number; headers: Map<string, string> };
    expect(http.status).toBe(429);
    expect(http.headers.get('retry-after')).toBe('3');
  });
});
