import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client';
import { EVENTS_CHANNEL, PROBE_CHANNEL, notifyProbe } from '../../modules/events/events.repository';
import type { Logger } from '../../observability/logger';

export interface ListenerOptions {
  database: Database;
  log: Logger;
  /** How often the listener is checked with a probe notification (and set up again if deaf). */
  checkMs: number;
  /** NOTIFY said there is more, up to `seq` (null when the payload is not a sequence). */
  onNotify(seq: number | null): void;
  /** Listening (again, after a reconnection): whatever was missed meanwhile is to be read. */
  onConnect(): void;
}

/**
 * The hub's one LISTEN connection, and its watchdog. NOTIFY only says "there is more", so what
 * this costs when it goes deaf is latency, never an event; the watchdog keeps that short.
 */
export class EventListener {
  /** Whether the events channel is listened to (since the last (re)connection). */
  listening = false;
  private stopListening: (() => Promise<void>) | null = null;
  private stopProbe: (() => Promise<void>) | null = null;
  private readonly probes = new Map<string, () => void>();
  private watchdog: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(private readonly options: ListenerOptions) {}

  async start(): Promise<void> {
    await this.listen();
    // The driver re-listens after a dropped connection, but gives up if the database is still
    // down at that moment: a listener that no longer hears its own probes is set up again.
    this.watchdog = setInterval(() => void this.check(), this.options.checkMs);
    this.watchdog.unref();
  }

  /** Stops the watchdog at once (synchronously), then the LISTEN connections. */
  async stop(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    await this.stopListening?.().catch(() => undefined);
    this.stopListening = null;
    await this.stopProbe?.().catch(() => undefined);
    this.stopProbe = null;
    this.listening = false;
  }

  /**
   * Whether the listener hears NOTIFY right now: sends a token on a probe channel (over the same
   * LISTEN connection as events) and waits for it. For readiness checks.
   */
  async probe(timeoutMs = 1000): Promise<boolean> {
    if (!this.stopProbe || !this.watchdog) return false;
    const token = randomUUID();
    const heard = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.probes.set(token, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    try {
      await notifyProbe(this.options.database.db, token);
      return await heard;
    } catch {
      return false;
    } finally {
      this.probes.delete(token);
    }
  }

  private async listen(): Promise<void> {
    const { database, onNotify, onConnect } = this.options;
    this.stopProbe = await database.listen(PROBE_CHANNEL, (token) => this.probes.get(token)?.(), () => undefined);
    this.stopListening = await database.listen(
      EVENTS_CHANNEL,
      (payload) => {
        const seq = Number(payload);
        onNotify(Number.isFinite(seq) ? seq : null);
      },
      () => {
        this.listening = true;
        onConnect();
      },
    );
  }

  private async check(): Promise<void> {
    if (this.checking || !this.watchdog) return;
    this.checking = true;
    try {
      if (await this.probe(1000)) return;
      this.listening = false;
      this.options.log.warn('the event listener does not hear notifications; listening again');
      await this.stopListening?.().catch(() => undefined);
      await this.stopProbe?.().catch(() => undefined);
      this.stopListening = this.stopProbe = null;
      await this.listen();
    } catch (err) {
      this.options.log.warn({ err }, 'listening again failed; will retry');
    } finally {
      this.checking = false;
    }
  }
}
