import WebSocket from 'ws';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES_DIR } from '../support/corpus';
import { cursorSeq } from '../support/cursors';
import { store, syntheticReport } from '../support/fixtures';
import { gql, PUBLISH_TOKEN, serveTestDatabase } from '../support/server';
import { until } from '../support/wait';
import { publishSentinel, resultsBeforeSentinel } from '../support/sentinel';
import { fanOutCost } from '../support/statements';
import { subscribe } from '../support/ws-client';

const ZH = readFileSync(join(EXAMPLES_DIR, '2026-11-20-ai-intel.md'), 'utf8');
const EN = readFileSync(join(EXAMPLES_DIR, '2026-11-21-ai-digest-en.md'), 'utf8');
const auth = { authorization: `Bearer ${PUBLISH_TOKEN}` };
const PUBLISH_MD = `mutation($md: String!) { publishMarkdown(markdown: $md) { slug added } }`;
const SUB = `subscription($filter: ItemFilter) { itemPublished(filter: $filter) { cursor type item { id title importance tags report { slug } } } }`;
const AFTER_SUB = SUB.replace('($filter: ItemFilter)', '($filter: ItemFilter, $after: String)').replace('(filter: $filter)', '(filter: $filter, after: $after)');
type Ev = { itemPublished: { cursor: string; type: string; item: { id: string; title: string; importance: string } } };

/** A raw graphql-transport-ws peer: every message as received on the wire. */
async function rawSubscriber(httpUrl: string, query: string, variables: Record<string, unknown> = {}) {
  const socket = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: string[] = [];
  socket.on('message', (m) => messages.push(String(m)));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await until(() => messages.length > 0, 'connection_ack');
  socket.send(JSON.stringify({ id: 'raw-1', type: 'subscribe', payload: { query, variables } }));
  return { socket, messages, next: () => messages.slice(1).map((m) => JSON.parse(m) as { id: string; type: string; payload: { data: Ev } }) };
}

describe('shared execution of identical subscriptions', () => {
  const ctx = serveTestDatabase({ each: true, pollIntervalMs: 60_000 });
  const publish = async (md: string) => {
    const res = await gql(ctx.server.url, PUBLISH_MD, { md }, auth);
    expect(res.errors).toBeUndefined();
  };

  it('runs one execution per group and gives every member the same result, in the protocol graphql-ws speaks', async () => {
    const filter = { minImportance: 'HIGH' };
    const members = Array.from({ length: 5 }, () => subscribe<Ev>(ctx.server.url, SUB, { filter }));
    const raw = await rawSubscriber(ctx.server.url, SUB, { filter });
    const other = subscribe<{ itemPublished: { item: { title: string } } }>(ctx.server.url, 'subscription { itemPublished { item { title } } }');
    await until(() => ctx.server.app.subscriptionGroups().members === 7, 'seven members');
    expect(ctx.server.app.subscriptionGroups()).toEqual({ groups: 2, members: 7 });

    await publish(ZH);
    await publish(EN);
    const first = await members[0]!.waitFor(4);
    for (const m of members) expect(await m.waitFor(4)).toEqual(first);
    expect(first.map((r) => r.data!.itemPublished.item.importance)).toEqual(['HIGH', 'HIGH', 'HIGH', 'HIGH']);
    // The raw peer sees ordinary graphql-ws `next` messages carrying its own id and the same data.
    await until(() => raw.next().length === 4, 'four raw messages');
    expect(raw.next().map((m) => [m.id, m.type])).toEqual(Array(4).fill(['raw-1', 'next']));
    expect(raw.next().map((m) => m.payload)).toEqual(first);
    expect(await other.waitFor(12)).toHaveLength(12);

    await Promise.all([...members, other].map((m) => m.dispose()));
    raw.socket.close();
    await until(() => ctx.server.app.subscriptionGroups().groups === 0, 'groups to close with their last member');
  });

  it('writes a member\'s messages byte for byte as graphql-ws writes a lone subscription\'s', async () => {
    const grouped = await rawSubscriber(ctx.server.url, SUB, {});
    await until(() => ctx.server.app.subscriptionGroups().members === 1, 'the grouped peer');
    await publish(ZH);
    await until(() => grouped.messages.length === 7, 'six messages to the grouped peer');
    // A peer replaying from the first event's cursor gets the other five through graphql-ws, alone.
    const cursor = grouped.next()[0]!.payload.data.itemPublished.cursor;
    const lone = await rawSubscriber(ctx.server.url, AFTER_SUB, { after: cursor });
    await until(() => lone.messages.length === 6, 'five replayed messages');
    expect(lone.messages.slice(1)).toEqual(grouped.messages.slice(2));
    expect(grouped.messages[1]).toMatch(/^\{"id":"raw-1","type":"next","payload":\{"data":\{"itemPublished":\{"cursor":"/);
    // Caught up, it joins the group: from now on both are written the same way, and still alike.
    await until(() => ctx.server.app.subscriptionGroups().members === 2, 'the replayed peer to join the group');
    await publish(EN);
    await until(() => grouped.messages.length === 13 && lone.messages.length === 12, 'six more messages each');
    expect(lone.messages.slice(6)).toEqual(grouped.messages.slice(7));
    grouped.socket.close();
    lone.socket.close();
  });

  it('lets subscribers replaying from `after` join their groups once caught up, nothing lost or repeated at the switch', async () => {
    const watcher = subscribe<Ev>(ctx.server.url, SUB, {});
    await until(() => ctx.server.app.subscriptionGroups().members === 1, 'the watcher');
    await publish(ZH);
    const [first] = await watcher.waitFor(6);
    const { cursor, item } = first!.data!.itemPublished;
    // Five replayers from the first event on, filters by variable and inline, while more is published.
    const inline = AFTER_SUB.replace('($filter: ItemFilter, $after: String)', '($after: String)').replace('(filter: $filter, after: $after)', '(filter: {minImportance: HIGH}, after: $after)');
    const replayers = [
      ...[{}, { minImportance: 'HIGH' }, {}, { minImportance: 'HIGH' }].map((filter) => subscribe<Ev>(ctx.server.url, AFTER_SUB, { filter, after: cursor })),
      subscribe<Ev>(ctx.server.url, inline, { after: cursor }),
    ];
    const high = [false, true, false, true, true];
    const publishing = publish(EN);
    await until(() => ctx.server.app.subscriptionGroups().members === 6, 'every replayer to join the group', 20_000);
    await publishing;
    await store(ctx.db, syntheticReport('after-switch', 8, '2026-05-01T00:00:00Z'));
    const marker = await publishSentinel(ctx.server.url);
    const expected = async (f: Record<string, unknown>) => {
      const res = await gql<{ items: { edges: { node: { id: string; title: string } }[] } }>(ctx.server.url, 'query($f: ItemFilter) { items(filter: $f, first: 50) { edges { node { id title } } } }', { f });
      return res.data!.items.edges.map((e) => e.node).filter((n) => n.id !== item.id && !n.title.includes(marker)).map((n) => n.id).sort();
    };
    const want = { all: await expected({}), high: await expected({ minImportance: 'HIGH' }) };
    expect(want.high.length).toBeGreaterThan(0);
    expect(want.all.length).toBeGreaterThan(want.high.length);
    for (const [i, r] of replayers.entries()) {
      const got = r.results.slice(0, await resultsBeforeSentinel(r, marker)).map((x) => x.data!.itemPublished.item.id);
      // Nothing twice, nothing missing: every item after the cursor that the filter matches.
      expect(got).toHaveLength(new Set(got).size);
      expect([...got].sort()).toEqual(high[i] ? want.high : want.all);
    }
    expect(ctx.server.app.subscriptionGroups()).toEqual({ groups: 1, members: 6 });
    await Promise.all([watcher, ...replayers].map((m) => m.dispose()));
  });

  it('lets a subscriber whose cursor is the latest event join its group without waiting for another', async () => {
    const watcher = subscribe<Ev>(ctx.server.url, SUB, {});
    await until(() => ctx.server.app.subscriptionGroups().members === 1, 'the watcher');
    await publish(ZH);
    const latest = (await watcher.waitFor(6)).at(-1)!.data!.itemPublished.cursor;
    const replayer = subscribe<Ev>(ctx.server.url, AFTER_SUB, { after: latest });
    // Nothing to replay, and nothing published meanwhile: it joins once its replay has read the log.
    await until(() => ctx.server.app.subscriptionGroups().members === 2, 'the replayer to join the group');
    await publish(EN);
    expect((await replayer.waitFor(6)).map((r) => r.data!.itemPublished.item.id)).toEqual((await watcher.waitFor(12)).slice(6).map((r) => r.data!.itemPublished.item.id));
    await Promise.all([watcher, replayer].map((m) => m.dispose()));
  });

  it('refuses a subscribe reusing the id of one still being started (4409), and leaves nothing of either running', async () => {
    const readers = ctx.server.hub.stats().readers;
    const peer = await rawSubscriber(ctx.server.url, SUB, {});
    await until(() => ctx.server.app.subscriptionGroups().members === 1, 'the first subscription');
    const closed = new Promise<number>((resolve) => peer.socket.once('close', (code) => resolve(code)));
    // In one write: subscribe x, complete x, subscribe x again (another filter) while the first x is still being admitted.
    const raw = (peer.socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    raw.cork();
    peer.socket.send(JSON.stringify({ id: 'x', type: 'subscribe', payload: { query: SUB, variables: {} } }));
    peer.socket.send(JSON.stringify({ id: 'x', type: 'complete' }));
    peer.socket.send(JSON.stringify({ id: 'x', type: 'subscribe', payload: { query: SUB, variables: { filter: { minImportance: 'HIGH' } } } }));
    raw.uncork();
    expect(await closed).toBe(4409);
    // Nothing of the socket runs on: no member, no reader of its own.
    await until(() => ctx.server.app.subscriptionGroups().members === 0 && ctx.server.hub.stats().readers === readers, 'nothing left running');
    await publish(ZH);
    expect(ctx.server.app.subscriptionGroups()).toEqual({ groups: 0, members: 0 });
  });

  it('stops writing to a member the moment it completes, while the rest of its group goes on', async () => {
    const stays = subscribe<Ev>(ctx.server.url, SUB, {});
    const leaves = await rawSubscriber(ctx.server.url, SUB, {});
    await until(() => ctx.server.app.subscriptionGroups().members === 2, 'two members');
    await store(ctx.db, syntheticReport('burst-before-complete', 300));
    await until(() => leaves.messages.length > 1, 'the first message');
    leaves.socket.send(JSON.stringify({ id: 'raw-1', type: 'complete' }));
    await until(() => ctx.server.app.subscriptionGroups().members === 1, 'the member to leave');
    const atComplete = leaves.messages.length;
    await publish(EN);
    await stays.waitFor(306);
    // Whatever the server wrote to this socket after the complete is on the wire before its answer
    // to a ping sent now (the other member has everything, so the group has offered it all).
    const isPong = (m: string): boolean => (JSON.parse(m) as { type: string }).type === 'pong';
    leaves.socket.send(JSON.stringify({ type: 'ping' }));
    await until(() => leaves.messages.some(isPong), 'the pong');
    // Nothing published after the complete reached it (what was already on the wire may trail in).
    // (EN's report slug is its date: publishMarkdown without a slug names a report by its date.)
    expect(leaves.messages.slice(atComplete).every((m) => !m.includes('"slug":"2026-11-21"'))).toBe(true);
    expect(leaves.messages.filter((m) => !isPong(m)).length).toBeLessThanOrEqual(301);
    expect(leaves.socket.readyState).toBe(WebSocket.OPEN);
    await stays.dispose();
    leaves.socket.close();
  });

  it('costs the same database work for five members as for one', async () => {
    const statementsFor = async (n: number, md: string): Promise<number> => {
      const subs = Array.from({ length: n }, () => subscribe<Ev>(ctx.server.url, SUB, {}));
      return (await fanOutCost(ctx, subs, 6, () => publish(md))).spent;
    };
    const one = await statementsFor(1, ZH);
    const five = await statementsFor(5, EN);
    // Executing per member would add (5 − 1) × 6 events × 3 loader statements = 72.
    expect(Math.abs(five - one)).toBeLessThan(10);
  });

  it('does not hand a new member events from before it subscribed', async () => {
    const early = subscribe<Ev>(ctx.server.url, SUB, {});
    await until(() => ctx.server.app.subscriptionGroups().members === 1, 'one member');
    await publish(ZH);
    await early.waitFor(6);
    const late = subscribe<Ev>(ctx.server.url, SUB, {});
    await until(() => ctx.server.app.subscriptionGroups().members === 2, 'two members');
    await publish(EN);
    const got = await late.waitFor(6);
    expect(new Set(got.map((r) => r.data!.itemPublished.item.title)).size).toBe(6);
    expect(got.every((r) => r.data!.itemPublished.item.title.match(/[a-z]/i))).toBe(true);
    await early.waitFor(12);
    const sentinel = await publishSentinel(ctx.server.url);
    expect(await resultsBeforeSentinel(late, sentinel)).toBe(6);
    await Promise.all([early, late].map((s) => s.dispose()));
  });

  it('gives each member the refusal when the shared arguments are bad', async () => {
    const a = subscribe(ctx.server.url, SUB, { filter: { minImportance: 'URGENT' } });
    const b = subscribe(ctx.server.url, 'subscription { itemPublished(filter: { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }) { cursor } }');
    // As graphql-js answers a refused subscription: one result with the errors, then complete.
    const outcome = async (sub: typeof a) => JSON.stringify([await sub.done, sub.results]);
    const [ea, eb] = await Promise.all([outcome(a), outcome(b)]);
    expect(ea).toMatch(/URGENT/);
    expect(eb).toMatch(/BAD_USER_INPUT/);
    expect(eb).toMatch(/filter\.from/);
    expect(ctx.server.app.subscriptionGroups().groups).toBe(0);
    await Promise.all([a, b].map((s) => s.dispose()));
  });
});

/**
 * Each event carries 128 KB of text in one field: a paused peer's socket backs up within the group's
 * first burst (up to 100 events written at once; the kernel holds a few MB on loopback), while
 * executing an event stays cheap: the volume is in the bytes, not in resolving fields, so the test
 * is quick even on a busy machine (it took 60 s when every event carried a 300-item report).
 */
const HEAVY = `subscription { itemPublished { cursor item { id details } } }`;
const EVENTS = 160;
const withDetails = (report: ReturnType<typeof syntheticReport>, details: (title: string) => string) => ({
  ...report,
  sections: report.sections.map((s) => ({ ...s, items: s.items.map((i) => ({ ...i, details: details(i.title) })) })),
});
const FILLER = 'x'.repeat(128 * 1024);
const SENTINEL = 'sentinel published after the catch-up';

describe('a group member that falls behind', () => {
  // A long stall limit: this peer is slow, not gone (on a busy machine its pause can outlast the default 10 s).
  // A small queue: once it has left its group, the paused member's own queue fills too and it reads from the log.
  const ctx = serveTestDatabase({ queueMax: 50, stallMs: 120_000 });

  it('leaves the group and reads the rest from the log: every event once, in order', async () => {
    const healthy = subscribe<{ itemPublished: { cursor: string } }>(ctx.server.url, HEAVY);
    const slow = await rawSubscriber(ctx.server.url, HEAVY);
    await until(() => ctx.server.app.subscriptionGroups().members === 2, 'two members');
    slow.socket.pause();
    await store(ctx.db, withDetails(syntheticReport('behind-1', EVENTS, '2026-04-01T00:00:00Z'), (title) => `${title} ${FILLER}`));
    await healthy.waitFor(EVENTS, 60_000);
    // ~20 MB cannot sit in a paused socket's buffers and a queue of 50: the paused member overflowed
    // and left the group (the healthy one may have too, when executing outran its socket).
    await until(() => ctx.server.app.subscriptionGroups().members < 2, 'the paused member to leave its group', 60_000);
    slow.socket.resume();
    // (Counting raw messages: the first is the connection_ack; parsing 20 MB on every poll would be slow.)
    await until(() => slow.messages.length > EVENTS, 'the slow member to catch up', 60_000);
    // Events arrive in log order, so once one more event published now has arrived, anything
    // delivered twice would already be in front of it.
    await store(ctx.db, withDetails(syntheticReport('behind-sentinel', 1, '2026-04-02T00:00:00Z'), () => SENTINEL));
    await until(() => slow.messages.at(-1)!.includes(SENTINEL), 'the sentinel event', 60_000);
    await healthy.dispose();
    const seqs = slow.next().map((m) => cursorSeq((m.payload.data as unknown as { itemPublished: { cursor: string } }).itemPublished.cursor));
    expect(seqs).toHaveLength(EVENTS + 1);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(EVENTS + 1);
    expect(ctx.server.hub.stats().tooSlow).toBe(0);
    slow.socket.close();
  }, 120_000);
});
