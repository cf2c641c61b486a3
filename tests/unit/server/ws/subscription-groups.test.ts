import { EventEmitter } from 'node:events';
import { parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import type { Db } from '../../../../src/db/client';
import type { GraphQLContext, SubscriptionSink } from '../../../../src/graphql/context';
import { buildSchema } from '../../../../src/graphql/schema';
import type { EventRecord, LogPosition } from '../../../../src/modules/events/events.repository';
import type { Scope } from '../../../../src/modules/auth/api-keys';
import type { Logger } from '../../../../src/observability/logger';
import type { EventHub, LogReader } from '../../../../src/realtime/event-hub';
import { SocketSink, endSubscriptionsOf, type DirectSender } from '../../../../src/server/ws/socket-send';
import { SubscriptionGroups } from '../../../../src/server/ws/subscription-groups';
import { until } from '../../../support/wait';

/**
 * The bookkeeping of subscription groups, without a socket or a database: a fake hub hands events
 * to whatever readers attach, members write to fake direct senders, and the selection (`type
 * cursor`) resolves from the event alone.
 */

type NewReader = Omit<LogReader, 'position' | 'live' | 'closed' | 'replaying' | 'lastPull'>;

class FakeHub {
  position: LogPosition = { tx: '1', seq: 0 };
  readonly attached: { reader: NewReader; after: LogPosition | null; position: LogPosition }[] = [];
  readonly cursors = { encode: (e: EventRecord) => `c${e.seq}`, decode: async (_db: unknown, cursor: string): Promise<LogPosition> => ({ tx: '1', seq: Number(cursor.slice(1)) }) };
  stats() {
    return { position: this.position, readers: this.attached.length, listening: true, notifiedSeq: this.position.seq, tooSlow: 0 };
  }
  attach(reader: NewReader, after: LogPosition | null) {
    const entry = { reader, after, position: after ?? this.position };
    this.attached.push(entry);
    return {
      pulled: () => undefined,
      detach: () => void this.attached.splice(this.attached.indexOf(entry), 1),
      live: () => true,
      position: () => entry.position,
    };
  }
  /** The hub read an event: every attached reader not past it is offered it (as live dispatch does). */
  emit(e: EventRecord): void {
    this.position = { tx: e.tx, seq: e.seq };
    for (const entry of [...this.attached]) if (e.seq > entry.position.seq) this.offer(entry, e);
  }
  /** A replaying reader (one attached with `after`) read an event from the log itself; the hub has not. */
  replay(e: EventRecord): void {
    for (const entry of [...this.attached]) if (entry.after) this.offer(entry, e);
  }
  private offer(entry: FakeHub['attached'][number], e: EventRecord): void {
    if (entry.reader.deliver(e)) entry.position = { tx: e.tx, seq: e.seq };
  }
}

let seq = 0;
const itemEvent = (tags: string[]): EventRecord => ({
  seq: ++seq,
  tx: '1',
  type: 'ITEM_PUBLISHED',
  reportId: '00000000-0000-0000-0000-000000000001',
  itemId: '00000000-0000-0000-0000-000000000002',
  facts: { reportSlug: 'r', publishedAt: '2026-11-20T00:00:00.000Z', title: 't', tagKeys: tags, importanceRank: 2, sectionKey: 's', entityKeys: [] },
  createdAt: new Date(),
});

/** A member's socket: what was written to it, and whether it now counts as backed up. */
class FakeDirect implements DirectSender {
  readonly messages: { type: string; cursor: string }[] = [];
  backedUp = false;
  send(results: readonly Buffer[]): boolean {
    // Each result is the end of a `next` message: the payload and the message's closing brace.
    for (const r of results) this.messages.push((JSON.parse(String(r).slice(0, -1)) as { data: { itemPublished: { type: string; cursor: string } } }).data.itemPublished);
    return this.backedUp;
  }
}

const schema = buildSchema('test');
const SUB = parse('subscription($f: ItemFilter) { itemPublished(filter: $f) { type cursor } }');
const AFTER = parse('subscription($f: ItemFilter, $after: String) { itemPublished(filter: $f, after: $after) { type cursor } }');
const OTHER = parse('subscription($f: ItemFilter) { itemPublished(filter: $f) { cursor } }');
const INLINE = parse('subscription { itemPublished(filter: {tags: ["b"]}) { type cursor } }');

describe('SubscriptionGroups (src/server/ws/subscription-groups.ts)', () => {
  let hub: FakeHub;
  let groups: SubscriptionGroups;
  const slow = jest.fn();

  const context = (sink: SubscriptionSink | undefined, scopes: Scope[] = ['read']): GraphQLContext => ({
    db: {} as Db,
    loaders: undefined as never,
    limits: { maxPageSize: 50 },
    requestId: 'req',
    auth: { principal: 'anonymous', keyId: null, scopes },
    ip: null,
    webhookPolicy: { allow: [] },
    realtime: { hub: hub as unknown as EventHub, retentionMs: 86_400_000, queueMax: 100, sink },
  });
  /** What the sink touches of a socket: its unsent bytes, its state and its `close` event. */
  const fakeSocket = () => Object.assign(new EventEmitter(), { bufferedAmount: 0, readyState: 1, OPEN: 1, CLOSED: 3 }) as unknown as WebSocket;
  /** A member's sink whose direct writes go to `direct`. */
  const socketSink = (direct: DirectSender, socket = fakeSocket()): SocketSink => {
    const sink = new SocketSink(socket, '1', { slowConsumer: slow, unavailable: () => undefined, delivered: () => undefined });
    sink.send = (results) => direct.send(results);
    return sink;
  };
  const join = (direct: DirectSender | null, variables: Record<string, unknown> = {}, document = SUB, scopes?: Scope[], socket?: WebSocket) =>
    groups.subscribe({ schema, document, variableValues: variables, contextValue: context(direct ? socketSink(direct, socket) : undefined, scopes) } as ExecutionArgs) as Promise<AsyncIterableIterator<ExecutionResult>>;

  beforeEach(() => {
    hub = new FakeHub();
    groups = new SubscriptionGroups({
      log: { warn: jest.fn() } as unknown as Logger,
      format: (r) => r,
      retryMs: 0,
      groupContext: (member, onSlowConsumer) => ({
        ...member,
        realtime: { ...member.realtime, sink: { backedUp: () => false, slowConsumer: onSlowConsumer, unavailable: () => undefined } },
      }),
    });
  });

  it('joins a replaying subscription at its own position when its replay read past the hub: nothing written twice', async () => {
    const watcherSocket = new FakeDirect();
    const watcher = await join(watcherSocket);
    const replayerSocket = new FakeDirect();
    const replayer = await join(replayerSocket, { after: 'c0' }, AFTER);
    // Its replay reads three events the hub has not read yet (an older transaction held the hub back).
    const events = [itemEvent(['a']), itemEvent(['a']), itemEvent(['a'])];
    for (const e of events) hub.replay(e);
    const replayed: string[] = [];
    for (let i = 0; i < 3; i++) replayed.push(((await replayer.next()).value as { data: { itemPublished: { cursor: string } } }).data.itemPublished.cursor);
    expect(replayed).toEqual(events.map((e) => `c${e.seq}`));
    // Caught up: its next `next` joins the group, past the hub's position.
    const waiting = replayer.next();
    await until(() => groups.stats().members === 2, 'the replayer to join the group');
    // The hub reads the same three, then a fourth: the replayer is written the fourth only.
    for (const e of events) hub.emit(e);
    const fourth = itemEvent(['a']);
    hub.emit(fourth);
    await until(() => watcherSocket.messages.length === 4, 'the watcher to get all four');
    expect(replayerSocket.messages.map((m) => m.cursor)).toEqual([`c${fourth.seq}`]);
    await Promise.all([watcher.return?.(), replayer.return?.()]);
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('ends a member when its socket closes, even one graphql-ws never ends (an id it lost track of)', async () => {
    const socket = fakeSocket();
    const [kept, lost] = [new FakeDirect(), new FakeDirect()];
    const other = await join(kept);
    const orphan = await join(lost, {}, SUB, undefined, socket);
    expect(groups.stats()).toEqual({ groups: 1, members: 2 });
    // Nobody calls `return` on the orphan: its socket closing is enough (the adapter ends what it carried).
    endSubscriptionsOf(socket);
    await until(() => groups.stats().members === 1, 'the orphan to leave its group');
    expect(await orphan.next()).toEqual({ value: undefined, done: true });
    hub.emit(itemEvent(['a']));
    await until(() => kept.messages.length === 1, 'the other member to go on');
    expect(lost.messages).toEqual([]);
    await other.return?.();
    expect(groups.stats()).toEqual({ groups: 0, members: 0 });
    expect(hub.attached).toHaveLength(0);
  });

  it('groups subscriptions that differ only by filter (inline or variable): one reader, one execution, each member keeps its own', async () => {
    const [a, b, all] = [new FakeDirect(), new FakeDirect(), new FakeDirect()];
    const members = await Promise.all([join(a, { f: { tags: ['a'] } }), join(b, {}, INLINE), join(all)]);
    expect(groups.stats()).toEqual({ groups: 1, members: 3 });
    expect(hub.attached).toHaveLength(1);

    hub.emit(itemEvent(['a']));
    hub.emit(itemEvent(['b']));
    hub.emit(itemEvent(['c']));
    await until(() => all.messages.length === 3, 'three events to the unfiltered member');
    expect(all.messages.map((m) => m.cursor)).toEqual(['c' + (seq - 2), 'c' + (seq - 1), 'c' + seq]);
    expect(a.messages).toEqual([{ type: 'PUBLISHED', cursor: 'c' + (seq - 2) }]);
    expect(b.messages).toEqual([{ type: 'PUBLISHED', cursor: 'c' + (seq - 1) }]);
    await Promise.all(members.map((m) => m.return?.()));
  });

  it('keys groups by the variables execution sees: a variable left out (its default) and an explicit null apart, the default and its value together', async () => {
    const DEFAULTED = parse('subscription($b: Boolean = true) { itemPublished { cursor type @include(if: $b) } }');
    const [absent, nulled, given] = [new FakeDirect(), new FakeDirect(), new FakeDirect()];
    // The null first: a group runs with its first member's variables.
    const members = [await join(nulled, { b: null }, DEFAULTED), await join(absent, {}, DEFAULTED), await join(given, { b: true }, DEFAULTED)];
    expect(groups.stats()).toEqual({ groups: 2, members: 3 });
    hub.emit(itemEvent(['a']));
    await until(() => absent.messages.length === 1 && given.messages.length === 1, 'the defaulted members');
    // Executed with its own `$b`, not a null another member sent.
    expect(absent.messages[0]!.type).toBe('PUBLISHED');
    await Promise.all(members.map((m) => m.return?.()));
  });

  it('keeps apart what changes the bytes: the selection and the scopes', async () => {
    const members = await Promise.all([join(new FakeDirect()), join(new FakeDirect(), {}, OTHER), join(new FakeDirect(), {}, SUB, ['read', 'publish'])]);
    expect(groups.stats()).toEqual({ groups: 3, members: 3 });
    await Promise.all(members.map((m) => m.return?.()));
  });

  it('runs a subscription alone when nothing can write to its socket directly', async () => {
    const alone = await join(null);
    expect(groups.stats()).toEqual({ groups: 0, members: 0 });
    expect(hub.attached).toHaveLength(1);
    const next = alone.next();
    hub.emit(itemEvent(['a']));
    expect(await next).toEqual({ value: { data: { itemPublished: { type: 'PUBLISHED', cursor: 'c' + seq } } }, done: false });
    await alone.return?.();
    expect(hub.attached).toHaveLength(0);
  });

  it('forgets a member that completes, and the group (and its reader) with its last member', async () => {
    const [d1, d2] = [new FakeDirect(), new FakeDirect()];
    const [m1, m2] = await Promise.all([join(d1), join(d2)]);
    await m1.return?.();
    expect(groups.stats()).toEqual({ groups: 1, members: 1 });
    hub.emit(itemEvent(['a']));
    await until(() => d2.messages.length === 1, 'the remaining member gets the event');
    expect(d1.messages).toEqual([]);
    await m2.return?.();
    expect(groups.stats()).toEqual({ groups: 0, members: 0 });
    await until(() => hub.attached.length === 0, "the group's reader detached");
  });

  it('a member whose socket backs up leaves the group and reads on alone from the last event it was offered', async () => {
    const [stays, backs] = [new FakeDirect(), new FakeDirect()];
    const [m1, m2] = await Promise.all([join(stays), join(backs)]);
    backs.backedUp = true;
    const first = itemEvent(['a']);
    hub.emit(first);
    await until(() => groups.stats().members === 1, 'the backed-up member left');
    expect(backs.messages.map((m) => m.cursor)).toEqual(['c' + first.seq]);
    // Its own reader starts after the last event it was offered (the real hub replays from there).
    const next = m2.next();
    await until(() => hub.attached.length === 2, 'its own reader');
    expect(hub.attached[1]!.after).toEqual({ tx: '1', seq: first.seq });
    const second = itemEvent(['b']);
    hub.emit(second);
    expect(await next).toEqual({ value: { data: { itemPublished: { type: 'PUBLISHED', cursor: 'c' + second.seq } } }, done: false });
    await until(() => stays.messages.length === 2, 'the group goes on for the others');
    expect(backs.messages).toHaveLength(1);
    await Promise.all([m1.return?.(), m2.return?.()]);
    await until(() => hub.attached.length === 0, 'every reader detached');
  });

  it("closes every member as a slow consumer when the group's own reader is too slow", async () => {
    slow.mockClear();
    const members = await Promise.all([join(new FakeDirect()), join(new FakeDirect())]);
    hub.attached[0]!.reader.tooSlow();
    expect(slow).toHaveBeenCalledTimes(2);
    expect(groups.stats()).toEqual({ groups: 0, members: 0 });
    for (const m of members) expect(await m.next()).toEqual({ value: undefined, done: true });
  });
});
