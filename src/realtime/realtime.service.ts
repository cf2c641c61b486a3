import { itemFactsOf, type EventRecord, type LogPosition } from '../modules/events/events.repository';
import { BoundedQueue } from './async-queue';
import type { ReaderHandle } from './event-hub';
import type { GraphQLContext } from '../graphql/context';
import { matchesItem, normaliseItemFilter, type ItemFilterInput } from '../modules/items/item-filter';

/** A stream of log events; `takeReady` lets a shared subscription execute what is already queued as one batch. */
export interface EventStream extends AsyncIterableIterator<EventRecord> {
  /** Events already waiting after the one `next` returned, taken at once and executed together. */
  takeReady(max: number): EventRecord[];
  /** On the hub's live dispatch with nothing waiting: everything up to the hub's position was taken. */
  caughtUp(): boolean;
  /** Resolves once an event is waiting, the stream has ended, or it has caught up (takes nothing). */
  ready(): Promise<void>;
  /** Where its reader is in the log (ahead of the hub's position when a replay read past it). */
  position(): LogPosition | null;
}

/**
 * Events from the hub that `accept` keeps, through a bounded queue. A subscription group's stream
 * keeps what any of its members wants (`realtime.wants`) instead: `own` is then not applied.
 * Execution resolves each event from its shared snapshot (event-snapshot.ts).
 */
async function eventStream(
  ctx: GraphQLContext,
  after: string | null | undefined,
  base: (e: EventRecord) => boolean,
  own: (e: EventRecord) => boolean = () => true,
): Promise<EventStream> {
  const wants = ctx.realtime.wants;
  const accept = wants ? (e: EventRecord) => base(e) && wants(e) : (e: EventRecord) => base(e) && own(e);
  const { hub, retentionMs } = ctx.realtime;
  const { startAt } = ctx.realtime;
  const from = startAt !== undefined ? startAt : after ? await hub.cursors.decode(ctx.db, after, retentionMs, hub.stats().position) : null;
  let handle: ReaderHandle | null = null;
  const queue = new BoundedQueue<EventRecord>(ctx.realtime.queueMax, () => handle?.detach());
  handle = ctx.realtime.hub.attach(
    {
      // Full: the hub stops live delivery and this stream reads the log itself once it has room.
      deliver: (e) => !accept(e) || queue.push(e),
      fail: (err) => queue.fail(err),
      onLive: () => queue.wake(),
      // Without a sink there is no connection to hold things up: a stalled reader is the consumer's doing.
      backedUp: () => ctx.realtime.sink?.backedUp() ?? true,
      tooSlow: () => {
        queue.end();
        ctx.realtime.sink?.slowConsumer();
      },
    },
    from,
  );
  const resumeAt = Math.max(1, Math.floor(ctx.realtime.queueMax / 2));
  const stream: EventStream = {
    next: async () => {
      const r = await queue.next();
      handle?.pulled(queue.size < resumeAt);
      return r;
    },
    takeReady: (max) => {
      const batch = queue.takeReady(max);
      if (batch.length) handle?.pulled(queue.size < resumeAt);
      return batch;
    },
    caughtUp: () => queue.size === 0 && !queue.ended && handle !== null && handle.live(),
    ready: () => queue.ready(),
    position: () => handle?.position() ?? null,
    return: () => queue.return(),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return stream;
}

export function itemEvents(ctx: GraphQLContext, args: { filter?: ItemFilterInput | null; after?: string | null }): Promise<EventStream> {
  const filter = normaliseItemFilter(args.filter);
  return eventStream(
    ctx,
    args.after,
    (e) => itemFactsOf(e) !== null,
    (e) => matchesItem(filter, itemFactsOf(e)!),
  );
}

export function reportEvents(ctx: GraphQLContext): Promise<EventStream> {
  return eventStream(ctx, null, (e) => e.type === 'REPORT_PUBLISHED');
}
