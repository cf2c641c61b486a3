import type { Executor } from '../../db/client';
import type { Auth } from '../../graphql/context';
import { ApiError, ErrorCode } from '../../graphql/errors';
import * as repo from './rate-limit.repository';

/**
 * Rate limits over query cost, not request count: a bucket per API key (or per IP for anonymous
 * callers) holds up to a minute's worth of cost points and refills continuously. An operation
 * takes its cost (see src/server/limits.ts; at least 1) before it runs, so aliases and big pages
 * pay for what they make the server do. The buckets live in Postgres: every instance shares them.
 */
export interface RateLimitConfig {
  /** Cost points per minute for an API key (and the bootstrap token); 0 turns the limit off. */
  keyPerMinute: number;
  /** Cost points per minute per IP for callers without a key; 0 turns the limit off. */
  anonymousPerMinute: number;
}

export interface RateDecision {
  granted: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** When refused: seconds until this cost can be paid. */
  retryAfterSeconds: number;
}

/** Whose limits an operation counts against: its API key, else (anonymous) its IP. */
export function subjectOf(auth: Auth, ip: string | null): { subject: string; perMinute: (c: RateLimitConfig) => number } {
  if (auth.keyId) return { subject: `key:${auth.keyId}`, perMinute: (c) => c.keyPerMinute };
  if (auth.principal !== 'anonymous') return { subject: auth.principal, perMinute: (c) => c.keyPerMinute };
  return { subject: `ip:${ip ?? 'unknown'}`, perMinute: (c) => c.anonymousPerMinute };
}

/** Takes `cost` points from the subject's bucket in one statement (refill, check, take, all atomic). */
export async function take(db: Executor, subject: string, perMinute: number, cost: number): Promise<RateDecision> {
  const capacity = perMinute;
  const rate = perMinute / 60;
  const { tokens, granted } = await repo.takeTokens(db, subject, capacity, rate, cost);
  return {
    granted,
    limit: capacity,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: Math.ceil((capacity - tokens) / rate),
    retryAfterSeconds: granted ? 0 : Math.max(1, Math.ceil((cost - tokens) / rate)),
  };
}

/**
 * Charges an operation of `cost` (at least 1 point) to its caller's bucket, the same way on every
 * transport; null when no limit applies (limits off, or 0 per minute for this kind of caller).
 */
export async function charge(db: Executor, config: RateLimitConfig | null, auth: Auth, ip: string | null, cost: number): Promise<RateDecision | null> {
  if (!config) return null;
  const { subject, perMinute } = subjectOf(auth, ip);
  const limit = perMinute(config);
  return limit > 0 ? oneAtATime(db, subject, () => take(db, subject, limit, Math.max(1, cost))) : null;
}

/** The tail of each subject's queue of charges, per database. */
const queues = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * Runs one subject's charges one after the other in this process. Concurrent charges of one
 * subject would all wait on its bucket's row lock, each holding a pool connection while it waits:
 * a burst of subscribes on one socket took the whole pool from everyone else. Queued here, a
 * subject holds at most one connection per process, and its burst waits in memory.
 */
function oneAtATime<T>(db: Executor, subject: string, run: () => Promise<T>): Promise<T> {
  let byDb = queues.get(db);
  if (!byDb) queues.set(db, (byDb = new Map()));
  const queue = byDb;
  const result = (queue.get(subject) ?? Promise.resolve()).then(run);
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  queue.set(subject, tail);
  void tail.then(() => {
    if (queue.get(subject) === tail) queue.delete(subject);
  });
  return result;
}

export const purgeIdleBuckets = repo.purgeIdleBuckets;

/** The refusal of a charge the bucket cannot pay; `what` is what was charged ("this operation costs …", "this feed costs …"). */
export function rateLimitedError(d: RateDecision, cost: number, what = 'operation'): ApiError {
  return new ApiError(ErrorCode.RATE_LIMITED, `rate limit exceeded: this ${what} costs ${cost} points and ${d.remaining} of ${d.limit} per minute are left; retry in ${d.retryAfterSeconds} s`, {
    retryAfter: d.retryAfterSeconds,
    cost,
    limit: d.limit,
    remaining: d.remaining,
  });
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) for a decision. */
export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(d.limit),
    'ratelimit-remaining': String(d.remaining),
    'ratelimit-reset': String(d.resetSeconds),
    'ratelimit-policy': `${d.limit};w=60`,
    ...(d.granted ? {} : { 'retry-after': String(d.retryAfterSeconds) }),
  };
}
