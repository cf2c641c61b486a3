import type { Executor } from '../db/client';
import type { WebhookFormat } from '../modules/webhooks/webhooks.repository';
import * as repo from './outbox.repository';

/** Gap between two messages to one endpoint: Slack about one a second, Discord five per two seconds. */
export const SEND_GAP_MS: Record<WebhookFormat, number> = { JSON: 0, SLACK: 1000, DISCORD: 400 };
/** A paced endpoint's deliveries are claimed only while its next send slot is this close. */
export const PACING_HORIZON_MS = 2000;

/**
 * Reserves the next send slot of a paced endpoint (Slack, Discord) and returns the wait for it (ms). The slot
 * lives on the endpoint's row, so every process shares one pace. The delivery's claim is extended
 * to cover the wait, so no other worker takes it meanwhile.
 */
export async function reserveSendSlot(db: Executor, webhookId: string, format: WebhookFormat, deliveryId: string, leaseMs: number): Promise<number> {
  const gap = SEND_GAP_MS[format];
  if (!gap) return 0;
  return repo.reserveSendSlot(db, webhookId, gap, deliveryId, leaseMs);
}
