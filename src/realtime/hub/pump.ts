import type { Database } from '../../db/client';
import { readAfter, type EventRecord, type LogPosition } from '../../modules/events/events.repository';
import type { Logger } from '../../observability/logger';
import { tagRead } from './read-tokens';

export interface PumpOptions {
  database: Database;
  log: Logger;
  batchSize: number;
  /** A safety net for what NOTIFY cannot signal (a blocking transaction that wrote no event, a rolled-back one). */
  pollIntervalMs: number;
  /** Each batch as read, before any of it is dispatched (the response cache invalidates here). */
  announce(batch: readonly EventRecord[]): void;
  /** Each event read, in log order, once the pump's position is past it. */
  dispatch(e: EventRecord): void;
  /** After each read, and on each poll before it: the readers' slow-consumer check. */
  checkLag(): void;
}

/**
 * The hub's one reader of the log: reads everything after its position in batches and hands each
 * event on, one run at a time. It reads when told (NOTIFY, a reconnection), on a poll timer, and
 * again soon when NOTIFY announced an event that was not readable yet.
 */
export class EventPump {
  /** Where the hub is: every event up to here has been dispatched. */
  position: LogPosition = { tx: '0', seq: 0 };
  /** The highest sequence announced by NOTIFY. */
  notifiedSeq = 0;
  /** The highest sequence read so far: below `notifiedSeq`, an announced event is not readable yet. */
  private maxSeenSeq = 0;
  private pumping = false;
  private again = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 10;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: PumpOptions) {}

  /** Where reading starts: the log's head when the hub starts. */
  startAt(position: LogPosition): void {
    this.position = position;
    this.maxSeenSeq = position.seq;
  }

  /** Starts the poll timer; from then on, a read that missed an announced event is retried. */
  startPolling(): void {
    this.timer = setInterval(() => {
      this.options.checkLag();
      void this.pump();
    }, this.options.pollIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** NOTIFY announced events up to `seq` (or something unreadable): read. */
  notified(seq: number | null): void {
    if (seq !== null) this.notifiedSeq = Math.max(this.notifiedSeq, seq);
    void this.pump();
  }

  /** Reads everything new from the log and dispatches it; one run at a time, re-run if asked meanwhile. */
  async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    const { database, batchSize, dispatch } = this.options;
    try {
      do {
        this.again = false;
        for (;;) {
          const batch = tagRead(await readAfter(database.db, this.position, batchSize));
          if (batch.length > 0) this.options.announce(batch);
          for (const e of batch) {
            this.position = { tx: e.tx, seq: e.seq };
            this.maxSeenSeq = Math.max(this.maxSeenSeq, e.seq);
            dispatch(e);
          }
          if (batch.length < batchSize) break;
        }
      } while (this.again);
      this.options.checkLag();
      this.retryIfBlocked();
    } catch (err) {
      // The poll timer retries; the position did not move past anything undelivered.
      this.options.log.warn({ err }, 'reading the event log failed; will retry');
    } finally {
      this.pumping = false;
    }
  }

  /**
   * NOTIFY announced an event that the read did not return: its transaction committed, but an
   * older transaction (in any database of the cluster: transaction ids are cluster-wide) is
   * still running, so it is not final yet. Read again soon, backing off to the poll interval.
   */
  private retryIfBlocked(): void {
    if (this.notifiedSeq <= this.maxSeenSeq || this.retryTimer || !this.timer) {
      if (this.notifiedSeq <= this.maxSeenSeq) this.retryDelay = 10;
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.pump();
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.pollIntervalMs);
  }
}
