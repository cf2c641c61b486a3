import { ApiError } from '../../../../src/graphql/errors';
import { rateLimitedError, rateLimitHeaders, type RateDecision } from '../../../../src/modules/ratelimit/rate-limit';

const refused: RateDecision = { granted: false, limit: 60, remaining: 10, resetSeconds: 50, retryAfterSeconds: 40 };

describe('rateLimitedError', () => {
  it('is a coded ApiError (RATE_LIMITED) with the retry, the cost and the bucket, naming what was charged', () => {
    const e = rateLimitedError(refused, 50);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.message).toBe('rate limit exceeded: this operation costs 50 points and 10 of 60 per minute are left; retry in 40 s');
    expect(e.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 40, cost: 50, limit: 60, remaining: 10 });
    expect(rateLimitedError(refused, 50, 'feed').message).toMatch(/^rate limit exceeded: this feed costs 50 points/);
  });
});

describe('rateLimitHeaders', () => {
  it('says the bucket, and Retry-After only when refused', () => {
    expect(rateLimitHeaders(refused)).toEqual({ 'ratelimit-limit': '60', 'ratelimit-remaining': '10', 'ratelimit-reset': '50', 'ratelimit-policy': '60;w=60', 'retry-after': '40' });
    expect(rateLimitHeaders({ ...refused, granted: true })).not.toHaveProperty('retry-after');
  });
});
