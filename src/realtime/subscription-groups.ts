import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  print,
  subscribe,
  type ExecutionArgs,
  type ExecutionResult,
  type DocumentNode,
  type FieldNode,
  type SelectionSetNode,
} from 'graphql';
import type { EventRecord, LogPosition } from '../modules/events/events.repository';
import type { EventStream } from '../modules/realtime/realtime.service';
import type { DirectSender, GraphQLContext } from '../server/context';
import type { Logger } from '../server/logger';
import { BoundedQueue } from './async-queue';
import { comparePositions } from './event-cursor';

/**
 * Shared execution of identical subscriptions.
 *
 * Five thousand bots asking for `itemPublished(filter: {minImportance: HIGH}) { … }` with the
 * same selection set want the same bytes for every event. Subscriptions with the same document,
 * operation, variables and scopes form a group: the group holds one reader of the event log,
 * executes each event once (fresh DataLoaders per event, as for a lone subscription), formats
 * and serialises the result once. Over graphql-ws each member's burst of `next` messages is written
 * straight to its socket (byte for byte what graphql-ws writes: see socket-send.ts); graphql-ws
 * still owns the subscription (each member is the async iterator it completes).
 *
 * A member that cannot keep up (its socket keeps more than 256 KB unsent after a burst) leaves
 * the group and continues as a lone subscription from the last event it was given: it reads the
 * rest from the log at its own pace and falls under the usual slow-consumer rules (closed with
 * 4503 when stalled or too far behind). Subscriptions with `after` replay from their own cursor
 * and are never grouped.
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
}

/** Events a group executes together at most. */
const BATCH_MAX = 100;

/** One event's result for a group: formatted and serialised once for all its members. */
interface Delivery {
  json: string;
  position: LogPosition;
}

/** The root field of a subscription, through fragments (validation allows exactly one). */
function rootField(selectionSet: SelectionSetNode, args: ExecutionArgs): FieldNode | null {
  for (const s of selectionSet.selections) {
    if (s.kind === Kind.FIELD) return s;
    const inner = s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : args.document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
    const set = inner && 'selectionSet' in inner ? inner.selectionSet : inner;
    const found = set ? rootField(set as SelectionSetNode, args) : null;
    if (found) return found;
  }
  return null;
}

/** Documents come from a cache (src/server/limits.ts): each is printed once. */
const printed = new WeakMap<DocumentNode, string>();

/** The group key, or null when the subscription must run alone (it replays from `after`). */
export function groupKey(args: ExecutionArgs): string | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation || operation.operation !== 'subscription') return null;
  const field = rootField(operation.selectionSet, args);
  if (!field) return null;
  const after = field.arguments?.find((a) => a.name.value === 'after');
  if (after) {
    const value = after.value;
    if (value.kind === Kind.VARIABLE ? args.variableValues?.[value.name.value] != null : value.kind !== Kind.NULL) return null;
  }
  const ctx = args.contextValue as GraphQLContext;
  let text = printed.get(args.document);
  if (text === undefined) printed.set(args.document, (text = print(args.document)));
  // Results depend on what the caller may see (its scopes), not on who it is: keys share groups.
  return JSON.stringify([ctx.auth.scopes, args.operationName ?? null, args.variableValues ?? {}, text]);
}

type Stream = AsyncIterator<ExecutionResult>;
const ENDED: Stream = { next: () => Promise.resolve({ value: undefined, done: true }) };
const isStream = (x: Stream | ExecutionResult): x is Stream => typeof (x as Partial<Stream>).next === 'function';

class Member implements AsyncIterableIterator<ExecutionResult> {
  /**
   * Never holds a value: the member's results go straight to its socket. graphql-ws waits on it
   * until the group ends or fails, closes the member, or hands it over to its own subscription.
   */
  private readonly released = new BoundedQueue<never>(0);
  /** Events at or before the join are not this member's: it subscribed after them. */
  private position: LogPosition;
  private joined = false;
  /** Set once the member left the group: its own subscription, reading on from `position`. */
  private alone: Promise<Stream | ExecutionResult> | null = null;
  private returned = false;

  constructor(
    private readonly group: Group,
    private readonly args: ExecutionArgs,
    private readonly direct: DirectSender,
    joinedAt: LogPosition,
  ) {
    this.position = joinedAt;
  }

  /**
   * From the group's loop, a burst of results in log order, written to the member's socket at
   * once. A member whose socket stays backed up leaves the group.
   */
  offer(burst: readonly Delivery[]): void {
    if (this.alone) return;
    let from = 0;
    // The group's events come in log order: once one is past the join, all later ones are.
    if (!this.joined) {
      while (from < burst.length && comparePositions(burst[from]!.position, this.position) <= 0) from++;
      if (from === burst.length) return;
      this.joined = true;
    }
    const mine = from ? burst.slice(from) : burst;
    const backedUp = this.direct.send(mine.map((d) => d.json));
    this.position = mine[mine.length - 1]!.position;
    if (backedUp) this.goAlone();
  }

  /**
   * Leaves the group and continues alone from the last event written. The subscription starts
   * now, so its reader is watched by the hub's slow-consumer checks from this moment (a member
   * that stopped reading is closed with 4503).
   */
  private goAlone(): void {
    this.group.leave(this);
    const ctx = this.args.contextValue as GraphQLContext;
    const contextValue: GraphQLContext = { ...ctx, realtime: { ...ctx.realtime, startAt: this.position } };
    this.alone = Promise.resolve(subscribe({ ...this.args, contextValue }));
    void this.alone.then((it) => {
      if (this.returned && isStream(it)) void it.return?.();
    });
    // graphql-ws, waiting on `released`, wakes and reads on from the member's own subscription.
    this.released.end();
  }

  /** The group's reader fell too far behind: close this member's connection as a slow consumer. */
  slow(): void {
    this.released.end();
    (this.args.contextValue as GraphQLContext).realtime.onSlowConsumer();
  }

  end(err?: unknown): void {
    if (err === undefined) this.released.end();
    else this.released.fail(err);
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.alone) {
      const r = await this.released.next();
      // Ended: the group ended (or closed this member), unless the member left it to read alone.
      if (!this.alone || this.returned) return r;
    }
    const alone = await this.alone;
    if (isStream(alone)) return alone.next();
    // Refused (the log position fell out of retention meanwhile, say): say why, then end.
    this.alone = Promise.resolve(ENDED);
    return { value: alone, done: false };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.returned = true;
    this.group.leave(this);
    await this.released.return();
    const alone = await this.alone;
    if (alone && isStream(alone)) await alone.return?.();
    return { value: undefined, done: true };
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
    private readonly owner: SubscriptionGroups,
  ) {
    const context = owner.options.groupContext(args.contextValue as GraphQLContext, () => this.tooSlow());
    this.args = { ...args, contextValue: context };
    this.ready = this.start();
  }

  /** Opens the group's source stream; an ExecutionResult when the subscription is refused. */
  private async start(): Promise<ExecutionResult | null> {
    const res = await createSourceEventStream(this.args);
    if (!(Symbol.asyncIterator in res)) {
      this.stop();
      return res;
    }
    this.source = res[Symbol.asyncIterator]();
    if (this.stopped) void this.source.return?.();
    else void this.run();
    return null;
  }

  join(args: ExecutionArgs, direct: DirectSender, hubPosition: LogPosition): Member {
    const m = new Member(this, args, direct, hubPosition);
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

  private async run(): Promise<void> {
    const { format, log } = this.owner.options;
    const source = this.source!;
    try {
      for (;;) {
        const next = await source.next();
        if (next.done || this.stopped) break;
        // What else is already queued runs with it: one set of loaders batches the whole burst's
        // lookups, and each member gets the burst in one go (one socket write for many messages).
        const batch = [next.value as EventRecord, ...(source.takeReady?.(BATCH_MAX) ?? [])];
        const results = await Promise.all(batch.map((event) => execute({ ...this.args, rootValue: event }) as Promise<ExecutionResult>));
        if (this.stopped) break;
        const burst = batch.map((event, i) => {
          const result = format(results[i]!, (this.args.contextValue as GraphQLContext).requestId);
          return { json: JSON.stringify(result), position: { tx: event.tx, seq: event.seq } };
        });
        for (const m of this.members) m.offer(burst);
      }
      for (const m of this.members) m.end();
    } catch (err) {
      log.warn({ err }, 'a shared subscription failed');
      for (const m of this.members) m.end(err);
    } finally {
      this.members.clear();
      this.stop();
    }
  }
}

export class SubscriptionGroups {
  private readonly groups = new Map<string, Group>();

  constructor(readonly options: GroupsOptions) {}

  /** graphql-ws's `subscribe`: joins (or opens) the group for these arguments, or runs alone. */
  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const key = groupKey(args);
    const direct = (args.contextValue as GraphQLContext).realtime.direct;
    // Grouped members write to their own socket; without one (or replaying from `after`) a subscription runs alone.
    if (key === null || !direct) return subscribe(args);
    // The join position is taken before any await: events after it are the member's.
    const joinedAt = (args.contextValue as GraphQLContext).realtime.hub.stats().position;
    for (;;) {
      let group = this.groups.get(key);
      if (!group) {
        group = new Group(key, args, this);
        this.groups.set(key, group);
      }
      const refused = await group.ready;
      if (refused) return refused;
      // Stopped while this member waited (its last member left): open a new one.
      if (!group.stopped) return group.join(args, direct, joinedAt);
    }
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
