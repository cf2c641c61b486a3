import type { Database } from '../../db/client';
import type { Logger } from '../../server/logger';
import { closeBatches } from './batches';
import type { AnyWebhookPayload, WebhookBatchPayload } from './payload';
import { discordMessages, slackMessages } from './render';
import { signatureHeader } from './signing';
import { post } from './sender';
import type { SsrfPolicy } from './ssrf';
import {
  SEND_GAP_MS,
  claimDue,
  dispatchOnce,
  ensureCursor,
  extendClaims,
  recordAttempt,
  reserveSendSlot,
  webhookById,
  webhooksByIds,
  type DeliveryRecord,
  type WebhookFormat,
} from './webhooks.service';

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

  /** Where attempt outcomes are counted (the app's metrics exist after the worker starts). */
  countAttempts(onAttempt: NonNullable<WorkerOptions['onAttempt']>): void {
    this.options.onAttempt = onAttempt;
  }

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
      while ((await dispatchOnce(database.db)) === 500);
      await closeBatches(database.db, this.options.now?.() ?? new Date(), this.options.linkTemplate ?? null);
      const room = (this.options.concurrency ?? 8) - this.claimed;
      if (room <= 0) return;
      const due = await claimDue(database.db, room, this.lease());
      this.claimed += due.length;
      for (const chain of await this.chains(due)) {
        const p = (async () => {
          for (const d of chain) await this.deliver(d).finally(() => this.claimed--);
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
  private async chains(due: DeliveryRecord[]): Promise<DeliveryRecord[][]> {
    const formats = new Map((await webhooksByIds(this.options.database.db, [...new Set(due.map((d) => d.webhookId))])).map((w) => [w.id, w.format]));
    const out: DeliveryRecord[][] = [];
    const paced = new Map<string, DeliveryRecord[]>();
    for (const d of [...due].sort((a, b) => a.eventSeq - b.eventSeq)) {
      if (!SEND_GAP_MS[formats.get(d.webhookId) ?? 'JSON']) out.push([d]);
      else if (paced.has(d.webhookId)) paced.get(d.webhookId)!.push(d);
      else paced.set(d.webhookId, [d]);
    }
    for (const chain of paced.values()) {
      if (chain.length > 1) await extendClaims(this.options.database.db, chain.map((d) => d.id), this.lease() * chain.length);
      out.push(chain);
    }
    return out;
  }

  /** Waits for the endpoint's next send slot (shared by every process: see reserveSendSlot). */
  private async pace(hook: { id: string; format: WebhookFormat }, deliveryId: string): Promise<void> {
    const wait = await reserveSendSlot(this.options.database.db, hook.id, hook.format, deliveryId, this.lease());
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  private lease(): number {
    return (this.options.timeoutMs ?? 10_000) + 30_000;
  }

  /**
   * The request bodies for a delivery: one, except when a batch cut for one format is sent after
   * the endpoint switched to another whose limits split it; then its messages go one by one.
   */
  private render(format: string, payload: AnyWebhookPayload): string[] {
    if (format === 'JSON') return [JSON.stringify(payload)];
    const link = this.options.linkTemplate ?? null;
    const batch = payload.type === 'item.batch';
    const items = batch ? payload.data.events.map((e) => e.data.item) : [payload.data.item];
    const heading = batch ? batchHeading(payload) : null;
    const messages = format === 'SLACK' ? slackMessages(items, link, heading) : discordMessages(items, link, heading);
    return messages.map((m) => JSON.stringify(m));
  }

  private async deliver(d: DeliveryRecord): Promise<void> {
    const { database, log, policy } = this.options;
    try {
      const hook = await webhookById(database.db, d.webhookId);
      if (!hook) return;
      const bodies = this.render(hook.format, d.payload as AnyWebhookPayload);
      const secrets = [hook.secret, ...(hook.previousSecret && hook.previousSecretUntil && hook.previousSecretUntil > new Date() ? [hook.previousSecret] : [])];
      let outcome!: Awaited<ReturnType<typeof post>>;
      for (const [i, body] of bodies.entries()) {
        await this.pace(hook, d.id);
        const timestamp = Math.floor(Date.now() / 1000);
        const id = i === 0 ? `msg_${d.id}` : `msg_${d.id}_${i + 1}`;
        const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(secrets, id, timestamp, body) };
        outcome = await post(new URL(hook.url), body, headers, policy, this.options.timeoutMs ?? 10_000);
        if (outcome.status === null || outcome.status < 200 || outcome.status >= 300) break;
      }
      await recordAttempt(database.db, d, outcome, this.options.retryScale ?? 1);
      const ok = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
      this.options.onAttempt?.(ok ? 'succeeded' : outcome.status === 410 ? 'gone' : 'failed', outcome.latencyMs);
      log.info({ delivery: d.id, webhook: hook.id, attempt: d.attempts, status: outcome.status, ms: outcome.latencyMs, error: outcome.error }, 'webhook attempt');
    } catch (err) {
      // The claim's lease runs out and the attempt is made again: nothing is lost.
      log.warn({ err, delivery: d.id }, 'webhook attempt could not be recorded; it will be retried');
    }
  }
}

const UTC_TIME = (iso: string) => iso.slice(11, 16);

/** "Hourly digest · 2026-11-29 05:00–06:00 UTC · 12 items · part 1 of 2" */
export function batchHeading(batch: WebhookBatchPayload): string {
  const { mode, window, part, parts, events } = batch.data;
  const span = mode === 'HOURLY' ? `${window.start.slice(0, 10)} ${UTC_TIME(window.start)}–${UTC_TIME(window.end)} UTC` : `${window.start.slice(0, 16).replace('T', ' ')} – ${window.end.slice(0, 16).replace('T', ' ')} UTC`;
  const count = `${events.length} item${events.length === 1 ? '' : 's'}`;
  return `${mode === 'HOURLY' ? 'Hourly' : 'Daily'} digest · ${span} · ${count}${parts > 1 ? ` · part ${part} of ${parts}` : ''}`;
}
