import type { Database } from '../db/client';
import { EventCursors } from '../modules/events/event-cursor';
import { head, type EventRecord, type LogPosition } from '../modules/events/events.repository';
import type { Logger } from '../observability/logger';
import { EventListener } from './hub/listener';
import { EventPump } from './hub/pump';
import { LogReaders, type NewReader, type ReaderHandle } from './hub/readers';

export type { LogReader, ReaderHandle } from './hub/readers';

export interface HubOptions {
  database: Database;
  log: Logger;
  /** A safety net for what NOTIFY cannot signal (a blocking transaction that wrote no event, a rolled-back one). */
  pollIntervalMs?: number;
  batchSize?: number;
  /** A reader off live dispatch whose consumer takes nothing for this long is too slow. */
  stallMs?: number;
  /** A reader further behind than this many events is too slow, whatever its pace. */
  maxLag?: number;
  /** How often the listener is checked with a probe notification (and set up again if deaf). */
  listenerCheckMs?: number;
}

export interface HubStats {
  position: LogPosition;
  readers: number;
  listening: boolean;
  /** The highest sequence announced by NOTIFY; the gap to `position.seq` is the listener's lag. */
  notifiedSeq: number;
  /** Readers dropped as too slow since start. */
  tooSlow: number;
}

/**
 * One per process: one LISTEN connection (hub/listener.ts), one reader of the event log
 * (hub/pump.ts), and the set of active readers it hands events to (hub/readers.ts). NOTIFY only
 * says "there is more"; the log is the truth, so a lost notification or a dropped connection
 * costs latency, never an event.
 */
export class EventHub {
  private readonly reading: EventPump;
  private readonly listener: EventListener;
  private readonly readers: LogReaders;
  private logCursors: EventCursors | null = null;
  /** Told of every event new to this process, before any reader of it is (response cache invalidation). */
  private readonly readListeners = new Set<(batch: readonly EventRecord[]) => void>();

  constructor(private readonly options: HubOptions) {
    const { database, log } = options;
    const batchSize = options.batchSize ?? 500;
    this.readers = new LogReaders({
      database,
      log,
      batchSize,
      stallMs: options.stallMs ?? 10_000,
      maxLag: options.maxLag ?? 100_000,
      head: () => this.reading.position,
      announce: (batch) => this.announceRead(batch),
    });
    this.reading = new EventPump({
      database,
      log,
      batchSize,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      announce: (batch) => this.announceRead(batch),
      dispatch: (e) => this.readers.dispatch(e),
      checkLag: () => this.readers.checkLag(),
    });
    this.listener = new EventListener({
      database,
      log,
      checkMs: options.listenerCheckMs ?? 5000,
      onNotify: (seq) => this.reading.notified(seq),
      onConnect: () => {
        log.info({ position: this.reading.position }, 'event listener connected; catching up');
        void this.reading.pump();
      },
    });
  }

  async start(): Promise<void> {
    const { database } = this.options;
    this.logCursors = await EventCursors.load(database.db);
    this.reading.startAt(await head(database.db));
    await this.listener.start();
    this.reading.startPolling();
  }

  /** Encodes and checks the cursors of this database's log (after start). */
  get cursors(): EventCursors {
    if (!this.logCursors) throw new Error('the event hub is not started');
    return this.logCursors;
  }

  async stop(): Promise<void> {
    this.reading.stop();
    await this.listener.stop();
    this.readers.closeAll();
  }

  /** Whether the listener hears NOTIFY right now (for readiness checks). */
  probe(timeoutMs = 1000): Promise<boolean> {
    return this.listener.probe(timeoutMs);
  }

  /** Calls `listener` with each batch of events new to this process before they are delivered; returns the unsubscribe. */
  onEventsRead(listener: (batch: readonly EventRecord[]) => void): () => void {
    this.readListeners.add(listener);
    return () => this.readListeners.delete(listener);
  }

  private announceRead(batch: readonly EventRecord[]): void {
    for (const l of this.readListeners) l(batch);
  }

  /** A subscriber closed as too slow outside the hub's own checks (its keep-alive ping stuck behind unsent data). */
  countTooSlow(): void {
    this.readers.tooSlowCount++;
  }

  stats(): HubStats {
    return {
      position: this.reading.position,
      readers: this.readers.size,
      listening: this.listener.listening,
      notifiedSeq: this.reading.notifiedSeq,
      tooSlow: this.readers.tooSlowCount,
    };
  }

  /**
   * Adds a reader. Without `after` it starts at the live head; with `after` it first replays
   * from the log and switches to live dispatch once it has caught up with the hub, with no gap
   * and no duplicate at the switch.
   */
  attach(reader: NewReader, after: LogPosition | null): ReaderHandle {
    return this.readers.attach(reader, after);
  }

  /** Reads everything new from the log and dispatches it; one run at a time, re-run if asked meanwhile. */
  pump(): Promise<void> {
    return this.reading.pump();
  }
}
