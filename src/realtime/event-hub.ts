import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { head, readAfter, type EventRecord, type LogPosition } from '../modules/events/events.repository';
import { EVENTS_CHANNEL } from '../modules/publishing/publishing.repository';
import type { Logger } from '../observability/logger';
import { EventCursors, comparePositions } from './event-cursor';

/**
 * Which read of the log an event came from: every event of one read shares a token, and
 * subscriptions resolve an event's data from one snapshot per token (see event-snapshot.ts), so a
 * batch costs the same database reads for one subscriber as for thousands.
 */
const readOf = new WeakMap<EventRecord, object>();

export function logReadOf(e: EventRecord): object | undefined {
  return readOf.get(e);
}

function tagRead(batch: EventRecord[]): EventRecord[] {
  const token = {};
  for (const e of batch) readOf.set(e, token);
  return batch;
}

/** Readiness probes travel on their own channel, over the same LISTEN connection as events. */
const PROBE_CHANNEL = 'digestql_probe';

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

/**
 * A reader of the log: gets every event after its position exactly once, in order.
 * `deliver` returns false when the reader's queue is full: the reader then stops taking live
 * events and, once it has room again (`resume`), reads what it missed from the log itself.
 * Memory stays bounded by its queue; the log is the buffer.
 */
export interface LogReader {
  position: LogPosition;
  /** Taking live dispatch; false while replaying from its own position. */
  live: boolean;
  closed: boolean;
  replaying: boolean;
  deliver(event: EventRecord): boolean;
  fail(err: unknown): void;
  /** Called once the reader is off live dispatch and stalled, or too far behind (see HubOptions). */
  tooSlow(): void;
  /** When its consumer last took an event (ms). */
  lastPull: number;
  /**
   * Whether the consumer is the one holding things up (its connection has unsent data).
   * A consumer that takes nothing because the server itself is busy is not stalled.
   */
  backedUp(): boolean;
}

export interface ReaderHandle {
  /** The consumer took an event: note the progress and, with room again, continue from the log. */
  pulled(hasRoom: boolean): void;
  detach(): void;
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
  /** The highest sequence read so far: below `notifiedSeq`, an announced event is not readable yet. */
  private maxSeenSeq = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = 10;
  private tooSlowCount = 0;
  private stopListening: (() => Promise<void>) | null = null;
  private stopProbe: (() => Promise<void>) | null = null;
  private readonly probes = new Map<string, () => void>();
  private watchdog: NodeJS.Timeout | null = null;
  private checking = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly batchSize: number;
  private logCursors: EventCursors | null = null;
  /** Told of every event new to this process, before any reader of it is (response cache invalidation). */
  private readonly readListeners = new Set<(batch: readonly EventRecord[]) => void>();

  constructor(private readonly options: HubOptions) {
    this.batchSize = options.batchSize ?? 500;
  }

  async start(): Promise<void> {
    const { database } = this.options;
    this.logCursors = await EventCursors.load(database.db);
    this.position = await head(database.db);
    this.maxSeenSeq = this.position.seq;
    await this.listen();
    // The driver re-listens after a dropped connection, but gives up if the database is still
    // down at that moment: a listener that no longer hears its own probes is set up again.
    this.watchdog = setInterval(() => void this.checkListener(), this.options.listenerCheckMs ?? 5000);
    this.watchdog.unref();
    this.timer = setInterval(() => {
      this.checkLag();
      void this.pump();
    }, this.options.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Encodes and checks the cursors of this database's log (after start). */
  get cursors(): EventCursors {
    if (!this.logCursors) throw new Error('the event hub is not started');
    return this.logCursors;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.stopListening?.().catch(() => undefined);
    this.stopListening = null;
    await this.stopProbe?.().catch(() => undefined);
    this.stopProbe = null;
    this.listening = false;
    for (const r of this.readers) r.closed = true;
    this.readers.clear();
  }

  /**
   * Whether the listener hears NOTIFY right now: sends a token on a probe channel (over the same
   * LISTEN connection as events) and waits for it. For readiness checks.
   */
  async probe(timeoutMs = 1000): Promise<boolean> {
    if (!this.stopProbe || !this.timer) return false;
    const token = randomUUID();
    const heard = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.probes.set(token, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    try {
      await this.options.database.db.execute(sql`SELECT pg_notify(${PROBE_CHANNEL}, ${token})`);
      return await heard;
    } catch {
      return false;
    } finally {
      this.probes.delete(token);
    }
  }

  private async listen(): Promise<void> {
    const { database, log } = this.options;
    this.stopProbe = await database.listen(PROBE_CHANNEL, (token) => this.probes.get(token)?.(), () => undefined);
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
  }

  private async checkListener(): Promise<void> {
    if (this.checking || !this.timer) return;
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

  /** Calls `listener` with each batch of events new to this process before they are delivered; returns the unsubscribe. */
  onEventsRead(listener: (batch: readonly EventRecord[]) => void): () => void {
    this.readListeners.add(listener);
    return () => this.readListeners.delete(listener);
  }

  private announceRead(batch: readonly EventRecord[]): void {
    if (batch.length > 0) for (const l of this.readListeners) l(batch);
  }

  /** A subscriber closed as too slow outside the hub's own checks (its keep-alive ping stuck behind unsent data). */
  countTooSlow(): void {
    this.tooSlowCount++;
  }

  stats(): HubStats {
    return { position: this.position, readers: this.readers.size, listening: this.listening, notifiedSeq: this.notifiedSeq, tooSlow: this.tooSlowCount };
  }

  /**
   * Adds a reader. Without `after` it starts at the live head; with `after` it first replays
   * from the log and switches to live dispatch once it has caught up with the hub, with no gap
   * and no duplicate at the switch.
   */
  attach(reader: Omit<LogReader, 'position' | 'live' | 'closed' | 'replaying' | 'lastPull'>, after: LogPosition | null): ReaderHandle {
    const r: LogReader = Object.assign(reader, {
      position: after ?? this.position,
      live: after === null,
      closed: false,
      replaying: false,
      lastPull: Date.now(),
    });
    this.readers.add(r);
    if (!r.live) void this.replay(r);
    return {
      pulled: (hasRoom) => {
        r.lastPull = Date.now();
        if (hasRoom && !r.live && !r.replaying && !r.closed) void this.replay(r);
      },
      detach: () => {
        r.closed = true;
        this.readers.delete(r);
      },
    };
  }

  private async replay(r: LogReader): Promise<void> {
    r.replaying = true;
    try {
      while (!r.closed) {
        const batch = tagRead(await readAfter(this.options.database.db, r.position, this.batchSize));
        // A replay can read past the hub's position: what is new to the process is told first.
        this.announceRead(batch.filter((e) => comparePositions(e, this.position) > 0));
        for (const e of batch) {
          if (r.closed) return;
          // Full again: wait for the next resume, keeping the position of the last event taken.
          if (!r.deliver(e)) return;
          r.position = { tx: e.tx, seq: e.seq };
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
    } finally {
      r.replaying = false;
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
          const batch = tagRead(await readAfter(this.options.database.db, this.position, this.batchSize));
          this.announceRead(batch);
          for (const e of batch) {
            this.position = { tx: e.tx, seq: e.seq };
            this.maxSeenSeq = Math.max(this.maxSeenSeq, e.seq);
            this.dispatch(e);
          }
          if (batch.length < this.batchSize) break;
        }
      } while (this.again);
      this.checkLag();
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
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.pollIntervalMs ?? 1000);
  }

  private dispatch(e: EventRecord): void {
    for (const r of this.readers) {
      if (!r.live || r.closed || comparePositions(e, r.position) <= 0) continue;
      try {
        if (r.deliver(e)) r.position = { tx: e.tx, seq: e.seq };
        else r.live = false;
      } catch (err) {
        this.options.log.error({ err }, 'an event reader failed');
      }
    }
  }

  /**
   * Readers that stopped consuming are told so, once: off live dispatch (their queue filled)
   * and nothing taken for `stallMs`, or more than `maxLag` events behind. A reader that is
   * slow but moving reads its backlog from the log and is left alone.
   */
  private checkLag(): void {
    const maxLag = this.options.maxLag ?? 100_000;
    const stalledBefore = Date.now() - (this.options.stallMs ?? 10_000);
    for (const r of this.readers) {
      if (r.live || r.closed) continue;
      if ((r.lastPull < stalledBefore && r.backedUp()) || this.position.seq - r.position.seq > maxLag) {
        r.closed = true;
        this.readers.delete(r);
        this.tooSlowCount++;
        r.tooSlow();
      }
    }
  }
}
