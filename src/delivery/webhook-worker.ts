import type { Database } from '../db/client';
import { webhooksByIds, type DeliveryRecord, type WebhookRecord } from '../modules/webhooks/webhooks.repository';
import type { Logger } from '../observability/logger';
import { closeBatches } from './batches';
import type { AnyWebhookPayload } from './payload';
import { messageBodies } from './render';
import { post, succeeded } from './sender';
import { signatureHeader } from './signing';
import type { SsrfPolicy } from './ssrf';
import { claimDue, extendClaims, recordAttempt } from './attempts';
import { dispatchOnce, ensureCursor } from './outbox';
import { SEND_GAP_MS, reserveSendSlot } from './pacing';

export interface WorkerOptions {
  database: Database;
  log: Logger;
  policy: SsrfPolicy;
  /** How often the outbox is written and due deliveries are claimed. */
  pollMs?: number;
  timeoutMs?: number;
  /** Deliveries sent at once by this process. */
  concurrency?: number;
  /** Multiplies the retry schedule (tests use a small factor; 1 in production). */
  retryScale?: number;
  /** Where Slack and Discord messages link an item: `{slug}` and `{id}` are replaced; unset: its first source. */
  linkTemplate?: string | null;
  /** The clock batch windows are closed by (tests move it; the real one otherwise). */
  now?: () => Date;
  /** Counts outcomes for /metrics. */
  onAttempt?: (outcome: 'succeeded' | 'failed' | 'gone', latencyMs: number) => void;
}

/**
 * One per process: writes the outbox from the event log and sends what is due. Any number of
 * processes may run it on one database: the outbox cursor and each claim are locked (SKIP LOCKED),
 * so an attempt is sent by one worker only.
 */
export class WebhookWorker {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inFlight = new Set<Promise<void>>();
  /** Deliveries claimed by this process and not yet recorded. */
  private claimed = 0;

  constructor(private readonly options: WorkerOptions) {}

  async start(): Promise<void> {
    await ensureCursor(this.options.database.db);
    this.timer = setInterval(() => void this.tick(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight]);
  }

  /** One round: write the outbox, then claim and send what is due. */
  async tick(): Promise<void> {
    if (this.running || !this.timer) return;
    this.running = true;
    const { database, log } = this.options;
    try {
      while ((await dispatchOnce(database.db, 500, log)) === 500);
      await closeBatches(database.db, this.options.now?.() ?? new Date(), this.options.linkTemplate ?? null);
      const room = (this.options.concurrency ?? 8) - this.claimed;
      if (room <= 0) return;
      const due = await claimDue(database.db, room, this.lease());
      this.claimed += due.length;
      for (const { hook, chain } of await this.chains(due)) {
        const p = (async () => {
          for (const d of chain) await this.deliver(d, hook).finally(() => this.claimed--);
        })().finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    } catch (err) {
      log.warn({ err }, 'webhook round failed; will retry');
    } finally {
      this.running = false;
    }
  }

  /**
   * How claimed deliveries are sent: JSON ones each on its own, side by side; a Slack or Discord
   * endpoint's one after another in event order (a batch's parts arrive in order, each waiting for
   * its send slot), with the claims held long enough for the chain to reach the last one.
   */
  private async chains(due: DeliveryRecord[]): Promise<{ hook: WebhookRecord | null; chain: DeliveryRecord[] }[]> {
    const hooks = new Map((await webhooksByIds(this.options.database.db, [...new Set(due.map((d) => d.webhookId))])).map((w) => [w.id, w]));
    const out: { hook: WebhookRecord | null; chain: DeliveryRecord[] }[] = [];
    const paced = new Map<string, { hook: WebhookRecord; chain: DeliveryRecord[] }>();
    for (const d of [...due].sort((a, b) => a.eventSeq - b.eventSeq)) {
      const hook = hooks.get(d.webhookId) ?? null;
      if (!hook || !SEND_GAP_MS[hook.format]) out.push({ hook, chain: [d] });
      else if (paced.has(hook.id)) paced.get(hook.id)!.chain.push(d);
      else paced.set(hook.id, { hook, chain: [d] });
    }
    for (const p of paced.values()) {
      if (p.chain.length > 1) await extendClaims(this.options.database.db, p.chain.map((d) => d.id), this.lease() * p.chain.length);
      out.push(p);
    }
    return out;
  }

  /** Waits for the endpoint's next send slot (shared by every process: see reserveSendSlot). */
  private async pace(hook: WebhookRecord, deliveryId: string): Promise<void> {
    const wait = await reserveSendSlot(this.options.database.db, hook.id, hook.format, deliveryId, this.lease());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  /**
   * How long a claim is held: derived from the attempt's absolute deadline (post() never runs past
   * `timeoutMs`), with 30 s for the database round trips around it, so a delivery is never claimed
   * again while its attempt is in flight.
   */
  private lease(): number {
    return (this.options.timeoutMs ?? 10_000) + 30_000;
  }

  /** One attempt at a delivery of `hook` (read when the delivery was claimed; null: deleted since). */
  private async deliver(d: DeliveryRecord, hook: WebhookRecord | null): Promise<void> {
    const { database, log, policy } = this.options;
    try {
      if (!hook) return;
      const bodies = messageBodies(hook.format, d.payload as AnyWebhookPayload, this.options.linkTemplate ?? null);
      const secrets = [hook.secret, ...(hook.previousSecret && hook.previousSecretUntil && hook.previousSecretUntil > new Date() ? [hook.previousSecret] : [])];
      let outcome!: Awaited<ReturnType<typeof post>>;
      for (const [i, body] of bodies.entries()) {
        await this.pace(hook, d.id);
        const timestamp = Math.floor(Date.now() / 1000);
        const id = i === 0 ? `msg_${d.id}` : `msg_${d.id}_${i + 1}`;
        const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(secrets, id, timestamp, body) };
        outcome = await post(hook.url, body, headers, policy, this.options.timeoutMs ?? 10_000);
        if (!succeeded(outcome.status)) break;
      }
      await recordAttempt(database.db, d, outcome, this.options.retryScale ?? 1);
      this.options.onAttempt?.(succeeded(outcome.status) ? 'succeeded' : outcome.status === 410 ? 'gone' : 'failed', outcome.latencyMs);
      log.info({ delivery: d.id, webhook: hook.id, attempt: d.attempts, status: outcome.status, ms: outcome.latencyMs, error: outcome.error }, 'webhook attempt');
    } catch (err) {
      // The claim's lease runs out and the attempt is made again: nothing is lost.
      log.warn({ err, delivery: d.id }, 'webhook attempt could not be recorded; it will be retried');
    }
  }
}

