import type { Database } from '../../db/client';
import { comparePositions } from '../../modules/events/event-cursor';
import { readAfter, type EventRecord, type LogPosition } from '../../modules/events/events.repository';
import type { Logger } from '../../observability/logger';
import { tagRead } from './read-tokens';

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
  /** Called when a replay has caught up with the hub and the reader takes live dispatch again. */
  onLive?(): void;
}

/** What a new reader brings; the rest of LogReader is the hub's bookkeeping. */
export type NewReader = Omit<LogReader, 'position' | 'live' | 'closed' | 'replaying' | 'lastPull'>;

export interface ReaderHandle {
  /** The consumer took an event: note the progress and, with room again, continue from the log. */
  pulled(hasRoom: boolean): void;
  detach(): void;
  /** Taking live dispatch (not replaying, not off it for a full queue, not detached). */
  live(): boolean;
  /** The last event handed to (or passed over by) this reader; a replay can be past the hub's position. */
  position(): LogPosition;
}

export interface ReadersOptions {
  database: Database;
  log: Logger;
  batchSize: number;
  /** A reader off live dispatch whose consumer takes nothing for this long is too slow. */
  stallMs: number;
  /** A reader further behind than this many events is too slow, whatever its pace. */
  maxLag: number;
  /** Where the hub's live dispatch is: the position a live reader starts at and a replay catches up with. */
  head(): LogPosition;
  /** Events a replay read before the hub did (past its head), before the replay delivers them. */
  announce(batch: readonly EventRecord[]): void;
}

/**
 * The hub's readers: live dispatch of what the pump reads, replay from a reader's own position
 * (a cursor, or a queue that filled) with the switch back to live dispatch, and the slow-consumer
 * policy.
 */
export class LogReaders {
  private readonly readers = new Set<LogReader>();
  /** Readers dropped as too slow since start. */
  tooSlowCount = 0;

  constructor(private readonly options: ReadersOptions) {}

  get size(): number {
    return this.readers.size;
  }

  /**
   * Adds a reader. Without `after` it starts at the live head; with `after` it first replays
   * from the log and switches to live dispatch once it has caught up with the hub, with no gap
   * and no duplicate at the switch.
   */
  attach(reader: NewReader, after: LogPosition | null): ReaderHandle {
    const r: LogReader = Object.assign(reader, {
      position: after ?? this.options.head(),
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
      live: () => r.live && !r.closed,
      position: () => r.position,
    };
  }

  /** Closes every reader (the hub stops). */
  closeAll(): void {
    for (const r of this.readers) r.closed = true;
    this.readers.clear();
  }

  private async replay(r: LogReader): Promise<void> {
    const { database, batchSize } = this.options;
    r.replaying = true;
    try {
      while (!r.closed) {
        const batch = tagRead(await readAfter(database.db, r.position, batchSize));
        // A replay can read past the hub's position: what is new to the process is told first.
        const ahead = batch.filter((e) => comparePositions(e, this.options.head()) > 0);
        if (ahead.length > 0) this.options.announce(ahead);
        for (const e of batch) {
          if (r.closed) return;
          // Full again: wait for the next resume, keeping the position of the last event taken.
          if (!r.deliver(e)) return;
          r.position = { tx: e.tx, seq: e.seq };
        }
        // Synchronously after the read: the hub has dispatched nothing this reader did not see.
        if (batch.length < batchSize && comparePositions(r.position, this.options.head()) >= 0) {
          r.live = true;
          r.onLive?.();
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

  /** Hands an event the pump read to every live reader not already past it. */
  dispatch(e: EventRecord): void {
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
  checkLag(): void {
    const head = this.options.head();
    const stalledBefore = Date.now() - this.options.stallMs;
    for (const r of this.readers) {
      if (r.live || r.closed) continue;
      if ((r.lastPull < stalledBefore && r.backedUp()) || head.seq - r.position.seq > this.options.maxLag) {
        r.closed = true;
        this.readers.delete(r);
        this.tooSlowCount++;
        r.tooSlow();
      }
    }
  }
}
