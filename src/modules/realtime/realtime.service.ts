import { itemFactsOf, type EventRecord } from '../events/events.repository';
import { BoundedQueue } from '../../realtime/async-queue';
import type { ReaderHandle } from '../../realtime/event-hub';
import type { GraphQLContext } from '../../server/context';
import { createLoaders } from '../loading/loaders';
import { matchesItem, normaliseItemFilter, type ItemFilterInput } from '../items/item-filter';

/** A stream of log events; `takeReady` lets a shared subscription execute what is already queued as one batch. */
export interface EventStream extends AsyncIterableIterator<EventRecord> {
  /** Events already waiting after the one `next` returned, taken at once; they share its loaders. */
  takeReady(max: number): EventRecord[];
}

/**
 * Events from the hub that `accept` keeps, through a bounded queue. Before each event (or batch
 * taken with `takeReady`) is handed to execution, the context gets fresh loaders: no cache
 * outlives what was read together.
 */
async function eventStream(ctx: GraphQLContext, after: string | null | undefined, accept: (e: EventRecord) => boolean): Promise<EventStream> {
  const { hub, retentionMs } = ctx.realtime;
  const from = after ? await hub.cursors.decode(ctx.db, after, retentionMs, hub.stats().position) : (ctx.realtime.startAt ?? null);
  let handle: ReaderHandle | null = null;
  const queue = new BoundedQueue<EventRecord>(ctx.realtime.queueMax, () => handle?.detach());
  handle = ctx.realtime.hub.attach(
    {
      // Full: the hub stops live delivery and this stream reads the log itself once it has room.
      deliver: (e) => !accept(e) || queue.push(e),
      fail: (err) => queue.fail(err),
      backedUp: () => ctx.realtime.isBackedUp(),
      tooSlow: () => {
        queue.end();
        ctx.realtime.onSlowConsumer();
      },
    },
    from,
  );
  const resumeAt = Math.max(1, Math.floor(ctx.realtime.queueMax / 2));
  const stream: EventStream = {
    next: async () => {
      const r = await queue.next();
      handle?.pulled(queue.size < resumeAt);
      if (!r.done) ctx.loaders = createLoaders(ctx.db);
      return r;
    },
    takeReady: (max) => {
      const batch = queue.takeReady(max);
      if (batch.length) handle?.pulled(queue.size < resumeAt);
      return batch;
    },
    return: () => queue.return(),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return stream;
}

export function itemEvents(ctx: GraphQLContext, args: { filter?: ItemFilterInput | null; after?: string | null }): Promise<EventStream> {
  const filter = normaliseItemFilter(args.filter);
  return eventStream(ctx, args.after, (e) => {
    const facts = itemFactsOf(e);
    return facts !== null && matchesItem(filter, facts);
  });
}

export function reportEvents(ctx: GraphQLContext): Promise<EventStream> {
  return eventStream(ctx, null, (e) => e.type === 'REPORT_PUBLISHED');
}
