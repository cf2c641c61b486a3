import v8 from 'node:v8';
import vm from 'node:vm';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { store, syntheticReport } from '../support/fixtures';
import { startTestServer, type TestServer } from '../support/server';
import { publishSentinel, resultsBeforeSentinel } from '../support/sentinel';
import { subscriptionsLive, until } from '../support/wait';
import { subscribe } from '../support/ws-client';

// Each event carries its whole report's item list (tens of KB): far more than socket buffers hold.
const HEAVY = `subscription { itemPublished { cursor type item { id title summary details applications
  entities { name } sources { url } section { key title } report { slug items { title summary } } } } }`;

/** A full garbage collection, so heap figures count what is retained, not what awaits collection. */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const retainedHeap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** A raw graphql-ws peer with one subscription: every message it received, and its close code once closed. */
async function rawSubscriber(httpUrl: string, query: string): Promise<{ socket: WebSocket; closed: Promise<number>; messages: string[] }> {
  const socket = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: string[] = [];
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  socket.on('message', (m) => messages.push(String(m)));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await new Promise((resolve) => socket.once('message', resolve));
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
  return { socket, closed, messages };
}

/** A raw graphql-ws peer that subscribes and, once the server counts `live` subscriptions (its own among them), stops reading its socket. */
async function stalledSubscriber(httpUrl: string, live: number): Promise<{ socket: WebSocket; closed: Promise<number>; received: () => number }> {
  const { socket, closed, messages } = await rawSubscriber(httpUrl, HEAVY);
  await subscriptionsLive(httpUrl, live);
  socket.pause();
  return { socket, closed, received: () => messages.length };
}

describe('a slow consumer', () => {
  let db: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    // A small queue and a short stall limit: the stalled peer is closed, while the healthy one,
    // behind by each 500-item burst, reads its overflow back from the log and is left alone.
    // The keep-alive is pushed out of the way: a paused peer cannot answer graphql-ws's ping, and
    // on a loaded machine the stall can take longer to show than ping + pong deadline (24 s), when
    // the peer would be dropped with 1006 instead. This test is about the slow-consumer rule.
    server = await startTestServer(db, { queueMax: 100, stallMs: 2000, keepAliveMs: 120_000 });
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
  });

  it('is closed with 4503 while a healthy subscriber gets all 5,000 events, and the heap stays bounded', async () => {
    const healthy = subscribe<{ itemPublished: { cursor: string } }>(server.url, 'subscription { itemPublished { cursor item { id } } }');
    const stalled = await stalledSubscriber(server.url, 2);
    const heapBefore = retainedHeap();
    const publishing = (async () => {
      for (let r = 0; r < 10; r++) await store(db, syntheticReport(`burst-${r}`, 500, `2026-03-${String(r + 1).padStart(2, '0')}T00:00:00Z`));
    })();
    // The server gives up on the stalled peer (its socket backed up, nothing taken for 2 s);
    // once the peer reads again it finds the close frame behind what was already buffered.
    await until(() => server.hub.stats().tooSlow > 0, 'the stalled subscriber to be closed', 30_000);
    stalled.socket.resume();
    expect(await stalled.closed).toBe(4503);
    expect(stalled.received()).toBeLessThan(5000);
    await publishing;
    const got = await healthy.waitFor(5000, 180_000);
    expect(new Set(got.map((g) => g.data!.itemPublished.cursor)).size).toBe(5000);
    const heapGrowth = retainedHeap() - heapBefore;
    if (process.env.SHOW_HEAP) console.log('heap growth', heapGrowth);
    // 5,000 events of several KB would be tens of MB if queued for the stalled client.
    expect(heapGrowth).toBeLessThan(32 * 1024 * 1024);
    expect(server.hub.stats().tooSlow).toBe(1);
    const sentinel = await publishSentinel(server.url);
    expect(await resultsBeforeSentinel(healthy, sentinel)).toBe(5000);
    await healthy.dispose();
    // 5,000 events of several KB to two peers: 45-65 s alone, over two minutes on a busy machine.
  }, 300_000);
});

describe('a slow consumer under keep-alive', () => {
  let db: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    // A short keep-alive and a stall limit that cannot come first: the ping, stuck behind data the
    // peer does not read, is what finds it.
    server = await startTestServer(db, { queueMax: 100, stallMs: 600_000, keepAliveMs: 1000 });
  });
  afterAll(async () => {
    await server.close();
    await db.dispose();
  });

  it('is closed with the documented 4503, not dropped with 1006 as a dead peer', async () => {
    const stalled = await rawSubscriber(server.url, HEAVY);
    await subscriptionsLive(server.url, 1);
    const publishing = store(db, syntheticReport('keepalive-1', 300, '2026-04-01T00:00:00Z'));
    // The peer reads (and so answers pings) until the burst is flowing, then stops: paused earlier,
    // while nothing is pending, it would be what it looks like, a dead peer (a slow publish on a
    // loaded machine lets the first pong deadline pass with an empty buffer). From here on the
    // server's next ping is stuck behind tens of MB the peer does not read.
    await until(() => stalled.messages.some((m) => m.includes('"type":"next"')), 'the burst to reach the peer', 30_000);
    stalled.socket.pause();
    await publishing;
    await until(() => server.hub.stats().tooSlow > 0, 'the stalled subscriber to be closed as a slow consumer', 30_000);
    // Its subscription ends at once, not when its socket is finally closed (the close frame waits
    // behind what the peer does not read, or `ws` drops it 30 s later): no reader, no group member.
    await until(() => server.hub.stats().readers === 0 && server.app.subscriptionGroups().members === 0, 'its subscription to end', 10_000);
    expect(server.app.wsConnections()).toBe(1);
    // And nothing more starts on it: a subscribe it sends now is refused (counted, not sent: the socket is closing).
    const refused = async (): Promise<number> => Number(/^digestql_graphql_errors_total\{transport="ws",code="BAD_REQUEST"\} (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1] ?? 0);
    const before = await refused();
    stalled.socket.send(JSON.stringify({ id: 'late', type: 'subscribe', payload: { query: 'subscription { itemPublished { cursor } }' } }));
    await until(async () => (await refused()) > before, 'the late subscribe to be refused', 10_000);
    expect([server.hub.stats().readers, server.app.subscriptionGroups().members]).toEqual([0, 0]);
    stalled.socket.resume();
    expect(await stalled.closed).toBe(4503);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^digestql_slow_consumers_closed_total 1$/m);
  }, 60_000);

  it('keeps a healthy idle peer that answers its pings', async () => {
    const { socket, messages: events } = await rawSubscriber(server.url, 'subscription { itemPublished { cursor } }');
    let pings = 0;
    socket.on('ping', () => pings++);
    // Three pings answered (ws answers them itself): past the first pong deadlines.
    await until(() => pings >= 3, 'three pings', 20_000, { detail: () => `(${pings} so far)` });
    expect(socket.readyState).toBe(WebSocket.OPEN);
    await store(db, syntheticReport('keepalive-2', 3, '2026-04-02T00:00:00Z'));
    await until(() => events.length >= 4, 'the events', 20_000);
    socket.close();
  }, 30_000);
});
