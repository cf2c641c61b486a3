import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { charge, type RateDecision } from '../../src/modules/ratelimit/rate-limit';
import type { Auth } from '../../src/graphql/context';
import { EXAMPLES_DIR } from '../support/corpus';
import { PUBLISH_TOKEN, gql, serveTestDatabase } from '../support/server';
import { until } from '../support/wait';

const SUB = 'subscription { itemPublished { cursor } }';
type Message = { type: string; id?: string; payload?: { message?: string; extensions?: Record<string, unknown> }[] | Record<string, unknown> };

/** A raw graphql-transport-ws peer: subscribes by id and keeps every message it gets, in order. */
async function peer(httpUrl: string, authorization?: string) {
  const socket = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: Message[] = [];
  socket.on('message', (m) => messages.push(JSON.parse(String(m)) as Message));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} }));
  await until(() => messages.some((m) => m.type === 'connection_ack'), 'connection_ack');
  return {
    messages,
    subscribe: (id: string) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: SUB } })),
    complete: (id: string) => socket.send(JSON.stringify({ id, type: 'complete' })),
    errorOf: (id: string) => messages.find((m) => m.id === id && m.type === 'error')?.payload as { message: string; extensions: Record<string, unknown> }[] | undefined,
    close: () => new Promise<void>((resolve) => (socket.once('close', () => resolve()), socket.close())),
  };
}

describe('subscription caps per socket and per client', () => {
  const ctx = serveTestDatabase({ each: true, subscriptionCaps: { perSocket: 3, perClient: 5 } });
  const operations = () => ctx.server.app.wsOperations();

  it('refuses a socket its fourth subscription with TOO_MANY_SUBSCRIPTIONS, keeps the others live, and frees a slot on complete', async () => {
    const a = await peer(ctx.server.url);
    for (const id of ['s1', 's2', 's3', 's4']) a.subscribe(id);
    await until(() => a.errorOf('s4') !== undefined, 'the fourth subscribe to be refused');
    expect(a.errorOf('s4')![0]).toMatchObject({
      message: 'too many subscriptions: this connection may run at most 3 operations at once (limit maxSubscriptionsPerSocket); complete one before starting another',
      extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 'maxSubscriptionsPerSocket', max: 3 },
    });
    await until(() => operations() === 3, 'three subscriptions running');
    a.complete('s1');
    await until(() => operations() === 2, 'the completed one to give its slot back');
    a.subscribe('s5');
    await until(() => operations() === 3, 'the new subscription to take the slot');

    const md = readFileSync(join(EXAMPLES_DIR, '2026-11-20-ai-intel.md'), 'utf8');
    const res = await gql(ctx.server.url, 'mutation($md: String!) { publishMarkdown(markdown: $md) { added } }', { md }, { authorization: `Bearer ${PUBLISH_TOKEN}` });
    expect(res.errors).toBeUndefined();
    await until(() => ['s2', 's3', 's5'].every((id) => a.messages.some((m) => m.id === id && m.type === 'next')), 'events on every live subscription');
    expect(a.messages.filter((m) => m.id === 's1' && m.type === 'next')).toEqual([]);
    expect(a.messages.filter((m) => m.type === 'error')).toHaveLength(1);
    await a.close();
    await until(() => operations() === 0, 'the closed socket to give its slots back');
  });

  it('counts a client over all its sockets (an IP without a key, each key apart), and frees the slots of a closed socket', async () => {
    const a = await peer(ctx.server.url);
    const b = await peer(ctx.server.url);
    for (const id of ['a1', 'a2', 'a3']) a.subscribe(id);
    for (const id of ['b1', 'b2', 'b3']) b.subscribe(id);
    await until(() => b.errorOf('b3') !== undefined, 'the sixth subscribe of the IP to be refused');
    expect(b.errorOf('b3')![0]!.extensions).toEqual({ code: 'TOO_MANY_SUBSCRIPTIONS', limit: 'maxSubscriptionsPerClient', max: 5 });
    expect(b.errorOf('b3')![0]!.message).toMatch(/^too many subscriptions: this IP address may run at most 5 operations at once/);
    await until(() => operations() === 5, 'five subscriptions running');

    // A key has its own count, from the same address.
    const keyed = await peer(ctx.server.url, `Bearer ${PUBLISH_TOKEN}`);
    keyed.subscribe('k1');
    await until(() => operations() === 6, 'the keyed subscription to run');

    await a.close();
    await until(() => operations() === 3, 'the closed socket to give its slots back');
    b.subscribe('b4');
    await until(() => operations() === 4, 'the IP to start a subscription again');
    expect(b.errorOf('b4')).toBeUndefined();
    await Promise.all([b.close(), keyed.close()]);
  });
});

describe('rate-limit charges of one caller', () => {
  const ctx = serveTestDatabase();

  it('run one at a time per caller in a process, so a burst holds one pool connection, and still add up', async () => {
    let running = 0;
    let most = 0;
    const db = ctx.db.db;
    // The executor as the rate limiter sees it, counting its statements in flight.
    const counted = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== 'execute') return Reflect.get(target, prop, receiver) as unknown;
        return async (...args: Parameters<typeof db.execute>) => {
          most = Math.max(most, ++running);
          try {
            return await target.execute(...args);
          } finally {
            running--;
          }
        };
      },
    });
    const anonymous: Auth = { principal: 'anonymous', keyId: null, scopes: ['read'] };
    const config = { keyPerMinute: 0, anonymousPerMinute: 1000 };
    const decisions = (await Promise.all(Array.from({ length: 60 }, () => charge(counted, config, anonymous, '192.0.2.7', 20)))) as RateDecision[];
    expect(most).toBe(1);
    // 1,000 points pay 50 charges of 20 (give or take the refill while they ran); never all 60.
    const granted = decisions.filter((d) => d.granted).length;
    expect(granted).toBeGreaterThanOrEqual(50);
    expect(granted).toBeLessThan(60);
    // Another caller is not queued behind them.
    const other = await charge(counted, config, anonymous, '192.0.2.8', 20);
    expect(other!.granted).toBe(true);
  });
});
