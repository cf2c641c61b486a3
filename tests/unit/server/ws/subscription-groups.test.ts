import { parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import type { Db } from '../../../../src/db/client';
import type { GraphQLContext, SubscriptionSink } from '../../../../src/graphql/context';
import { buildSchema } from '../../../../src/graphql/schema';
import type { EventRecord, LogPosition } from '../../../../src/modules/events/events.repository';
import type { Scope } from '../../../../src/modules/auth/api-keys';
import type { Logger } from '../../../../src/observability/logger';
import type { EventHub, LogReader } from '../../../../src/realtime/event-hub';
import { SocketSink, type DirectSender } from '../../../../src/server/ws/socket-send';
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
  readonly attached: { reader: NewReader; after: LogPosition | null }[] = [];
  readonly cursors = { encode: (e: EventRecord) => `c${e.seq}` };
  stats() {
    return { position: this.position, readers: this.attached.length, listening: true, notifiedSeq: this.position.seq, tooSlow: 0 };
  }
  attach(reader: NewReader, after: LogPosition | null) {
    const entry = { reader, after };
    this.attached.push(entry);
    return { pulled: () => undefined, detach: () => void this.attached.splice(this.attached.indexOf(entry), 1) };
  }
  /** The hub read an event: every attached reader is offered it (as live dispatch does). */
  emit(e: EventRecord): void {
    this.position = { tx: e.tx, seq: e.seq };
    for (const { reader } of [...this.attached]) reader.deliver(e);
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
  const socketSink = (direct: DirectSender): SocketSink => new SocketSink({ bufferedAmount: 0 } as WebSocket, direct, slow, () => undefined);
  const join = (direct: DirectSender | null, variables: Record<string, unknown> = {}, document = SUB, scopes?: Scope[]) =>
    groups.subscribe({ schema, document, variableValues: variables, contextValue: context(direct ? socketSink(direct) : undefined, scopes) } as ExecutionArgs) as Promise<AsyncIterableIterator<ExecutionResult>>;

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
