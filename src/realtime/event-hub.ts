import type { Database } from '../db/client';
import { head, readAfter, type EventRecord, type LogPosition } from '../modules/events/events.repository';
import { EVENTS_CHANNEL } from '../modules/publishing/publishing.repository';
import type { Logger } from '../server/logger';
import { comparePositions } from './event-cursor';

export interface HubOptions {
  database: Database;
  log: Logger;
  /** A safety net for what NOTIFY cannot signal (a blocking transaction that wrote no event, a rolled-back one). */
  pollIntervalMs?: number;
  batchSize?: number;
}

/** A reader of the log: gets every event after its position exactly once, in order. */
export interface LogReader {
  position: LogPosition;
  /** Replaying from its own cursor: live dispatch skips it until it catches up. */
  live: boolean;
  closed: boolean;
  deliver(event: EventRecord): void;
  fail(err: unknown): void;
}

export interface HubStats {
  position: LogPosition;
  readers: number;
  listening: boolean;
  /** The highest sequence announced by NOTIFY; the gap to `position.seq` is the listener's lag. */
  notifiedSeq: number;
}

/**
 * One per process: one LISTEN connection, one reader of the event log, and the set of active
 * readers it hands events to. NOTIFY only says "there is more"; the log is the truth, so a
 * lost notification or a dropped connection costs latency, never an event.
 */
export class EventHub {
  private position: LogPosition = { tx: '0', seq: 0 };
  private readonly readers = new Set<LogReader>();
  private pumping = false;
  private again = false;
  private listening = false;
  private notifiedSeq = 0;
  private stopListening: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly batchSize: number;

  constructor(private readonly options: HubOptions) {
    this.batchSize = options.batchSize ?? 500;
  }

  async start(): Promise<void> {
    const { database, log } = this.options;
    this.position = await head(database.db);
    this.stopListening = await database.listen(
      EVENTS_CHANNEL,
      (payload) => {
        const seq = Number(payload);
        if (Number.isFinite(seq)) this.notifiedSeq = Math.max(this.notifiedSeq, seq);
        void this.pump();
      },
      () => {
        this.listening = true;
        log.info({ position: this.position }, 'event listener connected; catching up');
        void this.pump();
      },
    );
    this.timer = setInterval(() => void this.pump(), this.options.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.stopListening?.().catch(() => undefined);
    this.stopListening = null;
    this.listening = false;
    for (const r of this.readers) r.closed = true;
    this.readers.clear();
  }

  stats(): HubStats {
    return { position: this.position, readers: this.readers.size, listening: this.listening, notifiedSeq: this.notifiedSeq };
  }

  /**
   * Adds a reader. Without `after` it starts at the live head; with `after` it first replays
   * from the log and switches to live dispatch once it has caught up with the hub, with no gap
   * and no duplicate at the switch.
   */
  attach(reader: Omit<LogReader, 'position' | 'live' | 'closed'>, after: LogPosition | null): () => void {
    const r: LogReader = Object.assign(reader, { position: after ?? this.position, live: after === null, closed: false });
    this.readers.add(r);
    if (!r.live) void this.replay(r);
    return () => {
      r.closed = true;
      this.readers.delete(r);
    };
  }

  private async replay(r: LogReader): Promise<void> {
    try {
      while (!r.closed) {
        const batch = await readAfter(this.options.database.db, r.position, this.batchSize);
        for (const e of batch) {
          if (r.closed) return;
          r.position = { tx: e.tx, seq: e.seq };
          r.deliver(e);
        }
        // Synchronously after the read: the hub has dispatched nothing this reader did not see.
        if (batch.length < this.batchSize && comparePositions(r.position, this.position) >= 0) {
          r.live = true;
          return;
        }
      }
    } catch (err) {
      this.readers.delete(r);
      r.fail(err);
    }
  }

  /** Reads everything new from the log and dispatches it; one run at a time, re-run if asked meanwhile. */
  async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        for (;;) {
          const batch = await readAfter(this.options.database.db, this.position, this.batchSize);
          for (const e of batch) {
            this.position = { tx: e.tx, seq: e.seq };
            this.dispatch(e);
          }
          if (batch.length < this.batchSize) break;
        }
      } while (this.again);
    } catch (err) {
      // The poll timer retries; the position did not move past anything undelivered.
      this.options.log.warn({ err }, 'reading the event log failed; will retry');
    } finally {
      this.pumping = false;
    }
  }

  private dispatch(e: EventRecord): void {
    for (const r of this.readers) {
      if (!r.live || r.closed || comparePositions(e, r.position) <= 0) continue;
      r.position = { tx: e.tx, seq: e.seq };
      try {
        r.deliver(e);
      } catch (err) {
        this.options.log.error({ err }, 'an event reader failed');
      }
    }
  }
}
