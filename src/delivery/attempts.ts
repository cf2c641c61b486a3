import type { Executor } from '../db/client';
import { disableWebhook, type DeliveryRecord } from '../modules/webhooks/webhooks.repository';
import * as repo from './outbox.repository';
import { PACING_HORIZON_MS } from './pacing';
import { succeeded } from './sender';

/**
 * Standard Webhooks' retry schedule: the delay after each failed attempt, about three days in all.
 * After the last, the delivery is DEAD (visible, and `redeliver` sends it again).
 */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/**
 * Claims up to `limit` due deliveries of enabled endpoints: each claim counts an attempt and moves
 * its next attempt `leaseMs` ahead in the same statement, so no other worker (SKIP LOCKED) claims
 * it meanwhile, and a worker that dies mid-send leaves it to be retried when the lease ends.
 */
export const claimDue = (db: Executor, limit: number, leaseMs: number): Promise<DeliveryRecord[]> => repo.claimDue(db, limit, leaseMs, PACING_HORIZON_MS);

/** Holds claims `ms` from now (a chain of paced sends takes longer than one lease). */
export const extendClaims = repo.extendClaims;

export interface AttemptOutcome {
  status: number | null;
  latencyMs: number;
  retryAfterSeconds: number | null;
  error: string | null;
  refused?: boolean;
}

/**
 * Records an attempt: success, a retry at the schedule's next step (or Retry-After), dead, the
 * endpoint gone (410), or refused by the SSRF rules (dead at once: `redeliver` after fixing the URL or allow-list).
 */
export async function recordAttempt(db: Executor, d: DeliveryRecord, o: AttemptOutcome, retryScale = 1): Promise<void> {
  const common = { lastStatusCode: o.status, lastError: o.error, lastLatencyMs: o.latencyMs };
  if (succeeded(o.status)) {
    await repo.markSucceeded(db, d.id, common);
    return;
  }
  if (o.refused) {
    await repo.markDead(db, d.id, common);
    return;
  }
  if (o.status === 410) {
    await repo.markDead(db, d.id, { ...common, lastError: 'the endpoint answered 410 Gone: it was disabled' });
    await disableWebhook(db, d.webhookId, `410 Gone at ${new Date().toISOString()}`);
    return;
  }
  if (o.status === 429 && o.retryAfterSeconds !== null) {
    // The endpoint is rate-limited as a whole: its other messages wait too (in every process).
    await repo.holdEndpoint(db, d.webhookId, o.retryAfterSeconds);
  }
  if (d.attempts >= MAX_ATTEMPTS) {
    await repo.markDead(db, d.id, common);
    return;
  }
  const base = RETRY_DELAYS_MS[d.attempts - 1]! * retryScale;
  const jittered = base * (0.9 + Math.random() * 0.2);
  const honoured = (o.status === 429 || o.status === 503) && o.retryAfterSeconds !== null ? Math.max(jittered, o.retryAfterSeconds * 1000) : jittered;
  await repo.scheduleRetry(db, d.id, common, honoured);
}
