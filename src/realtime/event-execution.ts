import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { GraphQLContext } from '../graphql/context';
import { isDatabaseUnavailable } from '../graphql/format-error';
import type { EventRecord } from '../modules/events/events.repository';
import type { EventStream } from './realtime.service';
import { derivedContext } from '../graphql/request-context';
import { snapshotLoaders } from './event-snapshot';

/**
 * Executing a subscription's events, whatever carries them: each event from its shared snapshot
 * (event-snapshot.ts), retried while the database is unavailable; and a subscription on its own
 * (subscribeAlone), which the WebSocket adapter's groups fall back to.
 */

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/**
 * Executes one event from its shared snapshot. While the database is unavailable it retries with
 * backoff, up to `retryMs`; null if it still could not (the caller closes the subscriber so it
 * resumes later: an error in place of the item would lose it).
 */
export async function executeEvent(args: ExecutionArgs, event: EventRecord, retryMs: number): Promise<ExecutionResult | null> {
  const ctx = args.contextValue as GraphQLContext;
  const deadline = Date.now() + retryMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const result = (await execute({ ...args, rootValue: event, contextValue: derivedContext(ctx, { loaders: snapshotLoaders(ctx.db, event) }) })) as ExecutionResult;
    if (!result.errors?.some((e) => isDatabaseUnavailable(e.originalError))) return result;
    if (Date.now() + delay > deadline) return null;
    await pause(delay);
  }
}

export type Stream = AsyncIterator<ExecutionResult>;
/** A subscription on its own, with where its reader stands (its source's: see EventStream). */
export type LoneSubscription = AsyncIterableIterator<ExecutionResult> & Pick<EventStream, 'caughtUp' | 'ready' | 'position'>;
export const DONE: IteratorResult<ExecutionResult> = { value: undefined, done: true };
export const ENDED: Stream = { next: () => Promise.resolve(DONE) };
export const isStream = (x: Stream | ExecutionResult): x is Stream => typeof (x as Partial<Stream>).next === 'function';

/**
 * A subscription on its own (graphql-js's `subscribe`, with each event executed by executeEvent):
 * a replay from `after`, a member that left its group, or a subscription without a socket.
 */
export async function subscribeAlone(args: ExecutionArgs, retryMs: number): Promise<LoneSubscription | ExecutionResult> {
  const res = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in res)) return res;
  // Every subscription field's stream is an EventStream (realtime.service.ts).
  const source = res[Symbol.asyncIterator]() as EventStream;
  const ctx = args.contextValue as GraphQLContext;
  const unavailable = async (): Promise<IteratorResult<ExecutionResult>> => {
    ctx.realtime.sink?.unavailable();
    await source.return?.();
    return DONE;
  };
  const stream: LoneSubscription = {
    caughtUp: () => source.caughtUp(),
    ready: () => source.ready(),
    position: () => source.position(),
    async next() {
      let next: IteratorResult<EventRecord>;
      try {
        next = await source.next();
      } catch (err) {
        // Replaying from the log failed: the same resumable close, never an error message.
        if (isDatabaseUnavailable(err)) return unavailable();
        throw err;
      }
      if (next.done) return DONE;
      const result = await executeEvent(args, next.value, retryMs);
      return result ? { value: result, done: false } : unavailable();
    },
    async return() {
      await source.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return stream;
}
