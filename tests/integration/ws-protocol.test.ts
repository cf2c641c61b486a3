import WebSocket from 'ws';
import { exampleReport, store } from '../support/fixtures';
import { serveTestDatabase } from '../support/server';
import { subscriptionsLive, until } from '../support/wait';
import { subscribe } from '../support/ws-client';

/** A raw peer: the protocol as bytes, so each abuse can be sent exactly. */
async function peer(httpUrl: string): Promise<{ socket: WebSocket; messages: string[]; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: string[] = [];
  socket.on('message', (m) => messages.push(String(m)));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('open', resolve));
  return { socket, messages, closed };
}

const send = (socket: WebSocket, msg: unknown) => socket.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
const init = { type: 'connection_init' };
const sub = (id: string) => ({ id, type: 'subscribe', payload: { query: 'subscription { itemPublished { cursor } }' } });

async function acked(httpUrl: string) {
  const p = await peer(httpUrl);
  send(p.socket, init);
  await until(() => p.messages.length > 0, 'an answer to connection_init');
  expect(JSON.parse(p.messages[0]!)).toEqual({ type: 'connection_ack' });
  return p;
}

describe('graphql-ws protocol abuse', () => {
  const ctx = serveTestDatabase();
  let bystander: ReturnType<typeof subscribe<{ itemPublished: { cursor: string } }>>;

  beforeAll(async () => {
    // A well-behaved subscriber on its own socket: none of the abuse below may touch it.
    bystander = subscribe(ctx.server.url, 'subscription { itemPublished { cursor } }');
    await subscriptionsLive(ctx.server.url);
  });

  it('closes a socket that sends no connection_init in time with 4408', async () => {
    const p = await peer(ctx.server.url);
    expect((await p.closed).code).toBe(4408);
  }, 10_000);

  it('closes a second connection_init with 4429', async () => {
    const p = await acked(ctx.server.url);
    send(p.socket, init);
    expect((await p.closed).code).toBe(4429);
  });

  it('closes a subscribe before the ack with 4401', async () => {
    const p = await peer(ctx.server.url);
    send(p.socket, sub('early'));
    expect((await p.closed).code).toBe(4401);
  });

  it('closes a duplicate subscription id with 4409', async () => {
    const p = await acked(ctx.server.url);
    send(p.socket, sub('same'));
    // The first is running (beside the bystander) before the second arrives.
    await subscriptionsLive(ctx.server.url, 2);
    send(p.socket, sub('same'));
    expect((await p.closed).code).toBe(4409);
  });

  it('lets go of a refused operation\'s id once graphql-ws is done with it, even when the client completed it first', async () => {
    const p = await acked(ctx.server.url);
    const live = Number((await fetch(`${ctx.server.url}/metrics`).then((r) => r.text())).match(/^digestql_subscriptions\{kind="active"\} (\d+)$/m)![1]);
    // In one write: a subscribe refused (an unknown field) and its `complete`, which reaches the
    // server before the refusal is sent (graphql-ws then sends no error and calls no hook), and a
    // ping: its pong comes once the server has handled both.
    const raw = (p.socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    raw.cork();
    send(p.socket, { id: 'L', type: 'subscribe', payload: { query: 'subscription { bogus }' } });
    send(p.socket, { id: 'L', type: 'complete' });
    send(p.socket, { type: 'ping' });
    raw.uncork();
    await until(() => p.messages.some((m) => m.includes('"pong"')), 'the pong');
    // The id is free again: the same id subscribes and runs (it was refused with 4409 as in use for good).
    send(p.socket, sub('L'));
    await subscriptionsLive(ctx.server.url, live + 1);
    expect(p.socket.readyState).toBe(WebSocket.OPEN);
    p.socket.close();
  });

  it('refuses with 4409 a subscribe reusing the id of an operation graphql-ws is still ending after its complete', async () => {
    const p = await acked(ctx.server.url);
    const raw = (p.socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    raw.cork();
    send(p.socket, sub('x'));
    send(p.socket, { id: 'x', type: 'complete' });
    send(p.socket, sub('x'));
    raw.uncork();
    // Not a silent end of the second (graphql-ws alone would answer it with the first's `complete` and run nothing).
    expect((await p.closed).code).toBe(4409);
  });

  it('answers a subscription whose root field a non-null variable may skip with a validation error, not a 4500 close', async () => {
    const p = await acked(ctx.server.url);
    const query = 'subscription($s: Boolean!) { itemPublished @skip(if: $s) { cursor } }';
    send(p.socket, { id: 'skip', type: 'subscribe', payload: { query, variables: { s: false } } });
    await until(() => p.messages.length > 1, 'an answer to the subscribe');
    const answer = JSON.parse(p.messages[1]!) as { type: string; payload: { message: string; extensions: { code: string } }[] };
    expect(answer.type).toBe('error');
    expect(answer.payload[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.payload[0]!.message).toMatch(/"\$s" which was not provided a runtime value.*subscription's root field are decided without its variables/);
    expect(p.socket.readyState).toBe(WebSocket.OPEN);
    // Over HTTP too: a 400 that says so, not a 500.
    const res = await fetch(`${ctx.server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { s: false } }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    p.socket.close();
  });

  it('closes a reused id of many-byte characters with 4409, and stays up', async () => {
    const p = await acked(ctx.server.url);
    // 64 three-byte characters: a close reason naming it would be over the 123 bytes `ws` allows.
    const id = '€'.repeat(64);
    send(p.socket, sub(id));
    send(p.socket, sub(id));
    expect((await p.closed).code).toBe(4409);
    expect((await fetch(`${ctx.server.url}/healthz`)).ok).toBe(true);
  });

  it('refuses an operation it cannot pick out of its document, and gives its slot back', async () => {
    const p = await acked(ctx.server.url);
    // More than a socket may run at once (100): each refused, none keeps a slot.
    for (let i = 0; i < 105; i++) send(p.socket, { id: `two-${i}`, type: 'subscribe', payload: { query: 'query A { __typename } query B { __typename }' } });
    const errors = () => p.messages.filter((m) => m.includes('"type":"error"'));
    await until(() => errors().length === 105, 'every refusal');
    expect(errors().every((m) => m.includes('"BAD_REQUEST"') && m.includes('several operations'))).toBe(true);
    send(p.socket, { id: 'one', type: 'subscribe', payload: { query: '{ __typename }' } });
    await until(() => p.messages.some((m) => m.includes('"id":"one"') && m.includes('"type":"next"')), 'the query to be answered');
    p.socket.close();
  });

  it.each([
    ['not JSON', '{"type": conn'],
    ['an unknown type', { type: 'shout' }],
    ['a subscribe without payload', { id: 'x', type: 'subscribe' }],
  ])('closes %s with 4400', async (_name, msg) => {
    const p = await acked(ctx.server.url);
    send(p.socket, msg);
    expect((await p.closed).code).toBe(4400);
  });

  it('closes a message over MAX_BODY_BYTES with 1009', async () => {
    const p = await acked(ctx.server.url);
    send(p.socket, { id: 'big', type: 'subscribe', payload: { query: `{ latestReport { id } }`, variables: { pad: 'x'.repeat(1024 * 1024) } } });
    expect((await p.closed).code).toBe(1009);
  });

  it('kept every other socket working', async () => {
    await store(ctx.db, exampleReport('2026-11-20-ai-intel'));
    const got = await bystander.waitFor(6);
    expect(got).toHaveLength(6);
    await bystander.dispose();
  });
});

describe('the keep-alive (WS_KEEPALIVE_MS)', () => {
  const ctx = serveTestDatabase({ keepAliveMs: 300 });

  it('drops a peer that does not answer pings and keeps one that does', async () => {
    // `ws` answers pings by itself unless told not to: the silent peer is a dead client.
    const silent = new WebSocket(`${ctx.server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { autoPong: false });
    const pings: number[] = [];
    silent.on('ping', () => pings.push(Date.now()));
    const silentClosed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    await new Promise((resolve) => silent.once('open', resolve));
    send(silent, init);
    const alive = await acked(ctx.server.url);
    let answered = 0;
    alive.socket.on('ping', () => answered++);
    // Dropped without a close frame once a ping goes unanswered for the interval (300 ms).
    expect(await silentClosed).toBe(1006);
    expect(pings.length).toBeGreaterThanOrEqual(1);
    // The answering peer outlives several intervals: four more pings, each answered in time.
    await until(() => answered >= 4, 'four pings to the answering peer', 5000);
    expect(alive.socket.readyState).toBe(WebSocket.OPEN);
    alive.socket.close();
  }, 10_000);
});
