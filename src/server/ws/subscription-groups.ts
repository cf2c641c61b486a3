// Over 250 lines on purpose: a group, its members and their leaving (completion, backlog, a slow
// group reader) share one lifecycle whose ordering is the correctness argument; split, it would be
// read across files. The transport-free parts are already out (realtime/subscription-shape.ts,
// realtime/event-execution.ts).
import { createSourceEventStream, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { EventRecord, LogPosition } from '../../modules/events/events.repository';
import type { EventStream } from '../../realtime/realtime.service';
import { DONE, ENDED, executeEvent, isStream, subscribeAlone, type LoneSubscription, type Stream } from '../../realtime/event-execution';
import { memberFilter, shapeOf, type MemberFilter } from '../../realtime/subscription-shape';
import type { GraphQLContext } from '../../graphql/context';
import { isDatabaseUnavailable } from '../../graphql/format-error';
import type { Logger } from '../../observability/logger';
import { comparePositions } from '../../modules/events/event-cursor';
import { SocketSink, encodeResult, type Returnable } from './socket-send';
import { derivedContext } from '../../graphql/request-context';

/**
 * Shared execution of subscriptions: filter first, execute once per selection.
 *
 * A subscriber's filter decides *whether* it gets an event (the one matcher, `matchesItem`), not
 * *what* it gets: the bytes of an event's result depend only on the document, the variables it
 * still uses and the caller's scopes. So subscriptions group by the document with the root
 * field's `filter` and `after` arguments taken out (and the variable definitions no longer used),
 * the values of the variables still used, the operation name and the scopes. Inline arguments and
 * variables group alike: `itemPublished(filter: {tags: ["a"]})` and `itemPublished(filter: $f)`
 * with the same selection set are one group. Five thousand subscribers with five thousand filters
 * and one selection set cost one execution and one serialisation per event; each event's data is
 * read once per process (event-snapshot.ts). The key and the member filters are transport-free
 * (realtime/subscription-shape.ts), as is executing an event (realtime/event-execution.ts); what
 * lives here is the graphql-ws side: members whose results are written straight to their sockets.
 *
 * A group holds one reader of the event log that keeps what any member wants, executes each
 * event once, and offers the burst to every member, which keeps what its filter matches. Over
 * graphql-ws each member's `next` messages are written straight to its socket (byte for byte what
 * graphql-ws writes: see socket-send.ts); graphql-ws still owns the subscription (each member is
 * the async iterator it completes).
 *
 * A member that cannot keep up (its socket keeps more than 256 KB unsent after a burst) leaves
 * the group and continues as a lone subscription from the last event it was offered: it reads the
 * rest from the log at its own pace and falls under the usual slow-consumer rules (closed with
 * 4503 when stalled or too far behind). A subscription with `after` replays from its own cursor
 * alone, then joins its group once it has caught up with the live position (CatchingUp).
 *
 * The database being unavailable never turns into an error in place of an item: executing an
 * event retries with backoff for up to `retryMs`, then the subscriber's connection is closed with
 * 1013 (resumable: it reconnects with its last cursor and gets the event then).
 */

export interface GroupsOptions {
  log: Logger;
  /**
   * A context for executing a group's events, from its first member's: no socket of its own,
   * never "backed up"; `onSlowConsumer` when the group's reader falls more than the hub's
   * maximum lag behind.
   */
  groupContext(member: GraphQLContext, onSlowConsumer: () => void): GraphQLContext;
  /** Formats a result once for every member (the one error formatter), under the group's request id. */
  format(result: ExecutionResult, requestId: string): ExecutionResult;
  /** How long executing an event retries while the database is unavailable. */
  retryMs: number;
}

/** Events a group executes together at most. */
const BATCH_MAX = 100;

/** Members offered a burst between two turns of the event loop. */
const OFFER_SLICE = 250;

/** One event's result for a group: formatted, serialised and encoded once for all its members. */
interface Delivery {
  event: EventRecord;
  /** The end of its `next` message (socket-send.ts's encodeResult). */
  result: Buffer;
  position: LogPosition;
}

class Member implements AsyncIterableIterator<ExecutionResult> {
  /** The last event offered to it (events at or before the join are not this member's). */
  private position: LogPosition;
  /** Set once the member left the group: its own subscription, reading on from `position`. */
  private alone: Promise<Stream | ExecutionResult> | null = null;
  private returned = false;
  /** How the group ended it: true, or with an error (given to graphql-ws once); null while it runs. */
  private ended: true | { err: unknown } | null = null;
  /**
   * graphql-ws's `next`, waiting while the member is in its group: it never gets a value there (the
   * member's results go straight to its socket), only the end, or the member's own subscription
   * once it leaves. Two fields, not an async function suspended per member: 20,000 idle members
   * each hold one.
   */
  private resolveNext: ((r: IteratorResult<ExecutionResult> | Promise<IteratorResult<ExecutionResult>>) => void) | null = null;
  private rejectNext: ((err: unknown) => void) | null = null;

  constructor(
    private readonly group: Group,
    private readonly args: ExecutionArgs,
    private readonly sink: SocketSink,
    joinedAt: LogPosition,
    readonly accepts: (e: EventRecord) => boolean,
  ) {
    this.position = joinedAt;
    sink.endOnClose(this);
  }

  /**
   * From the group's loop, a burst of results in log order: what the member's filter keeps is
   * written to its socket at once. A member whose socket stays backed up leaves the group.
   */
  offer(burst: readonly Delivery[]): void {
    // Left, ended, or completed by its client while the burst was being offered: nothing more goes out.
    if (this.alone || this.returned || this.ended) return;
    // The burst is in log order: skip what is at or before the member's position (it joined
    // after those), usually nothing, so one comparison per member.
    let from = 0;
    while (from < burst.length && comparePositions(burst[from]!.position, this.position) <= 0) from++;
    if (from === burst.length) return;
    const mine: Buffer[] = [];
    for (let i = from; i < burst.length; i++) if (this.accepts(burst[i]!.event)) mine.push(burst[i]!.result);
    this.position = burst[burst.length - 1]!.position;
    if (mine.length && this.sink.send(mine)) this.goAlone();
  }

  /**
   * Leaves the group and continues alone from the last event offered. The subscription starts
   * now, so its reader is watched by the hub's slow-consumer checks from this moment (a member
   * that stopped reading is closed with 4503).
   */
  private goAlone(): void {
    this.group.leave(this);
    const ctx = this.args.contextValue as GraphQLContext;
    const contextValue = derivedContext(ctx, { realtime: { ...ctx.realtime, startAt: this.position } });
    this.alone = subscribeAlone({ ...this.args, contextValue }, this.group.owner.options.retryMs);
    void this.alone.then((it) => {
      if (this.returned && isStream(it)) void it.return?.();
    });
    // graphql-ws, waiting in `next`, reads on from the member's own subscription.
    this.release();
  }

  /** The group's reader fell too far behind: close this member's connection as a slow consumer. */
  slow(): void {
    this.end();
    this.sink.slowConsumer();
  }

  /** The database stayed unavailable: close the connection so the client resumes with its last cursor. */
  unavailable(): void {
    this.sink.unavailable();
    this.end();
  }

  end(err?: unknown): void {
    if (this.ended) return;
    this.ended = err === undefined ? true : { err };
    this.release();
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.returned) return Promise.resolve(DONE);
    if (this.alone) return this.nextAlone();
    if (this.ended) {
      this.sink.forget(this);
      const ended = this.ended;
      if (ended === true) return Promise.resolve(DONE);
      // The error once, then the end.
      this.ended = true;
      return Promise.reject(ended.err);
    }
    if (this.resolveNext) return Promise.reject(new Error('a group member was read twice at once'));
    return new Promise((resolve, reject) => {
      this.resolveNext = resolve;
      this.rejectNext = reject;
    });
  }

  /** graphql-ws's waiting `next` gets what `next` gives now: the end, or the member's own subscription. */
  private release(): void {
    const [resolve, reject] = [this.resolveNext, this.rejectNext];
    this.resolveNext = this.rejectNext = null;
    if (resolve && reject) this.next().then(resolve, reject);
  }

  private async nextAlone(): Promise<IteratorResult<ExecutionResult>> {
    const alone = (await this.alone)!;
    if (isStream(alone)) {
      const r = await alone.next();
      if (r.done) this.sink.forget(this);
      return r;
    }
    // Refused (the log position fell out of retention meanwhile, say): say why, then end.
    this.alone = Promise.resolve(ENDED);
    return { value: alone, done: false };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.returned = true;
    this.group.leave(this);
    this.sink.forget(this);
    this.release();
    const alone = await this.alone;
    if (alone && isStream(alone)) await alone.return?.();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

class Group {
  readonly members = new Set<Member>();
  readonly ready: Promise<ExecutionResult | null>;
  private readonly args: ExecutionArgs;
  private source: (AsyncIterator<unknown> & Partial<Pick<EventStream, 'takeReady'>>) | null = null;
  stopped = false;

  constructor(
    private readonly key: string,
    args: ExecutionArgs,
    readonly owner: SubscriptionGroups,
  ) {
    const context = owner.options.groupContext(args.contextValue as GraphQLContext, () => this.tooSlow());
    // The group's reader keeps what any member wants; each member then keeps its own.
    // It reads from the live head (never from its first member's `after`: members that replay join once caught up).
    context.realtime = { ...context.realtime, startAt: null, wants: (e) => this.wants(e) };
    this.args = { ...args, contextValue: context };
    this.ready = this.start();
  }

  private wants(e: EventRecord): boolean {
    for (const m of this.members) if (m.accepts(e)) return true;
    return false;
  }

  /** Opens the group's source stream; an ExecutionResult when the subscription is refused. */
  private async start(): Promise<ExecutionResult | null> {
    const res = await createSourceEventStream(this.args);
    if (!(Symbol.asyncIterator in res)) {
      this.members.clear();
      this.stop();
      return res;
    }
    this.source = res[Symbol.asyncIterator]();
    if (this.stopped) void this.source.return?.();
    else void this.run();
    return null;
  }

  /** Joins at once (before the group is ready): from `joinedAt` on, the reader keeps what it wants. */
  join(args: ExecutionArgs, sink: SocketSink, joinedAt: LogPosition, accepts: (e: EventRecord) => boolean): Member {
    const m = new Member(this, args, sink, joinedAt, accepts);
    this.members.add(m);
    return m;
  }

  leave(m: Member): void {
    if (!this.members.delete(m) || this.members.size > 0) return;
    this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.owner.forget(this.key, this);
    void this.source?.return?.();
  }

  /** The group's own reader fell too far behind: its members are closed as slow consumers. */
  private tooSlow(): void {
    for (const m of this.members) m.slow();
    this.members.clear();
    this.stop();
  }

  private unavailable(): void {
    for (const m of this.members) m.unavailable();
    this.members.clear();
    this.stop();
  }

  /**
   * Offers a burst to every member, yielding to the event loop every OFFER_SLICE members: writing
   * 150,000 messages to 5,000 sockets in one pass would hold queries on the same process for its
   * whole length. The next burst waits for this one, so each member's messages stay in log order;
   * a member that joins meanwhile is not offered it (its join position is past the burst anyway).
   */
  private async offerAll(burst: readonly Delivery[]): Promise<void> {
    let n = 0;
    for (const m of [...this.members]) {
      if (this.stopped) return;
      m.offer(burst);
      if (++n % OFFER_SLICE === 0) await new Promise((r) => setImmediate(r));
    }
  }

  private async run(): Promise<void> {
    const { format, log, retryMs } = this.owner.options;
    const source = this.source!;
    const requestId = (this.args.contextValue as GraphQLContext).requestId;
    try {
      for (;;) {
        const next = await source.next();
        if (next.done || this.stopped) break;
        // What else is already queued runs with it, and each member gets the burst in one go
        // (one socket write for many messages).
        const batch = [next.value as EventRecord, ...((source.takeReady?.(BATCH_MAX) ?? []) as EventRecord[])];
        const results = await Promise.all(batch.map((event) => executeEvent(this.args, event, retryMs)));
        if (this.stopped) break;
        // Up to the first event that could not be executed: members resume from there.
        const failed = results.indexOf(null);
        const burst: Delivery[] = [];
        for (const [i, event] of batch.entries()) {
          if (failed >= 0 && i >= failed) break;
          burst.push({ event, result: encodeResult(JSON.stringify(format(results[i]!, requestId))), position: { tx: event.tx, seq: event.seq } });
        }
        if (burst.length) await this.offerAll(burst);
        if (this.stopped) break;
        if (failed >= 0) return this.unavailable();
      }
      for (const m of this.members) m.end();
    } catch (err) {
      if (isDatabaseUnavailable(err)) return this.unavailable();
      log.warn({ err }, 'a shared subscription failed');
      for (const m of this.members) m.end(err);
    } finally {
      this.members.clear();
      this.stop();
    }
  }
}

/**
 * A lone subscription, ended (its `return`) when its socket closes. graphql-ws ends the operations
 * it holds when a socket closes, but one it has lost track of (an id reused while the first was
 * starting) would otherwise run on, a reader executing for no one. Members and CatchingUp
 * register themselves (SocketSink.endOnClose); this is for the rest.
 */
function endsWithSocket(sub: AsyncIterableIterator<ExecutionResult> | ExecutionResult, sink: SocketSink): AsyncIterableIterator<ExecutionResult> | ExecutionResult {
  if (!(Symbol.asyncIterator in sub)) return sub;
  const it = sub;
  let ended = false;
  const wrapped: AsyncIterableIterator<ExecutionResult> & Returnable = {
    next: async () => {
      if (ended) return DONE;
      const r = await it.next();
      if (r.done) sink.forget(wrapped);
      return r;
    },
    return: async () => {
      sink.forget(wrapped);
      if (ended) return DONE;
      ended = true;
      await it.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  sink.endOnClose(wrapped);
  return wrapped;
}

/**
 * A subscription with `after`: it replays from its own cursor alone (graphql-ws writes its
 * messages, as for any lone subscription), and joins its group at the first `next` that finds its
 * reader on the hub's live dispatch with nothing waiting. Every event up to the hub's position
 * has then been written to it, and it joins at that position: the group offers it what comes
 * after (or at its own position, when its replay read past the hub's), so nothing is lost or
 * repeated at the switch. Until then (a replay, a burst still being
 * worked through) it runs alone.
 */
class CatchingUp implements AsyncIterableIterator<ExecutionResult> {
  private member: Member | null = null;
  private returned = false;

  constructor(
    private readonly lone: LoneSubscription,
    private readonly sink: SocketSink,
    private readonly join: (from: LogPosition | null) => Promise<Member | ExecutionResult>,
  ) {
    sink.endOnClose(this);
  }

  /** Once joined, the member's own `next` (no async function kept suspended in between). */
  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.member ? this.member.next() : this.catchUp();
  }

  private async catchUp(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.returned) {
      // Nothing waiting and still replaying: wait for an event or the catch-up, taking nothing
      // (an event taken here would have to be written before the switch).
      if (!this.lone.caughtUp()) await this.lone.ready();
      if (!this.returned && this.lone.caughtUp()) {
        const joined = await this.join(this.lone.position());
        // Refused (arguments its own subscription took cannot be): it reads on alone.
        if (joined instanceof Member) {
          this.member = joined;
          // The member ends with the socket itself.
          this.sink.forget(this);
          void this.lone.return?.();
          if (this.returned) void joined.return();
          return joined.next();
        }
      }
    }
    const r = await this.lone.next();
    if (r.done) this.sink.forget(this);
    return r;
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.returned = true;
    this.sink.forget(this);
    await Promise.all([this.member?.return(), this.lone.return?.()]);
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export class SubscriptionGroups {
  private readonly groups = new Map<string, Group>();

  constructor(readonly options: GroupsOptions) {}

  /**
   * graphql-ws's `subscribe`: joins (or opens) the group for these arguments; with `after`, first
   * replays alone and joins once caught up (CatchingUp); without a socket of its own, runs alone.
   */
  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const ctx = args.contextValue as GraphQLContext;
    const sink = ctx.realtime.sink instanceof SocketSink ? ctx.realtime.sink : null;
    if (!sink) return subscribeAlone(args, this.options.retryMs);
    const shape = shapeOf(args.document, args.operationName);
    const own = shape ? memberFilter(args, shape) : null;
    // Grouped members write to their own socket; arguments graphql-js refuses run alone (it answers them).
    if (!shape || !own) return endsWithSocket(await subscribeAlone(args, this.options.retryMs), sink);
    const join = (from: LogPosition | null): Promise<Member | ExecutionResult> => this.join(args, own, sink, from);
    if (!own.replays) return join(null);
    const lone = await subscribeAlone(args, this.options.retryMs);
    return isStream(lone) ? new CatchingUp(lone, sink, join) : lone;
  }

  /**
   * Joins the group at the hub's position, or at `from` when that is further on (a replay that
   * read past the hub has written those events already; the group will offer them again).
   */
  private async join(args: ExecutionArgs, own: MemberFilter, sink: SocketSink, from: LogPosition | null): Promise<Member | ExecutionResult> {
    const ctx = args.contextValue as GraphQLContext;
    const { key, accepts } = own;
    // The join position is taken, and the member joins, before any await: events after it are the member's.
    const hubAt = ctx.realtime.hub.stats().position;
    const joinedAt = from && comparePositions(from, hubAt) > 0 ? from : hubAt;
    let group = this.groups.get(key);
    if (!group) {
      group = new Group(key, args, this);
      this.groups.set(key, group);
    }
    const member = group.join(args, sink, joinedAt, accepts);
    const refused = await group.ready;
    if (!refused) return member;
    // Not kept for its socket's close either.
    void member.return();
    return refused;
  }

  forget(key: string, group: Group): void {
    if (this.groups.get(key) === group) this.groups.delete(key);
  }

  stats(): { groups: number; members: number } {
    let members = 0;
    for (const g of this.groups.values()) members += g.members.size;
    return { groups: this.groups.size, members };
  }
}
