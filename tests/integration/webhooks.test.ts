import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { webhookCursor } from '../../src/db/tables';
import { createApiKey } from '../../src/modules/auth/api-keys';
import { head } from '../../src/modules/events/events.repository';
import { verifyWebhook } from '../../src/delivery/signing';
import { checkWebhookUrl } from '../../src/delivery/ssrf';
import { closeBatches } from '../../src/delivery/batches';
import { WebhookWorker } from '../../src/delivery/webhook-worker';
import { claimDue } from '../../src/delivery/attempts';
import { dispatchOnce, ensureCursor } from '../../src/delivery/outbox';
import { outboxStats } from '../../src/modules/webhooks/webhooks.service';
import { createLogger } from '../../src/observability/logger';
import { comparePositions } from '../../src/modules/events/event-cursor';
import { rawSql } from '../support/db';
import { exampleReport, store, syntheticReport } from '../support/fixtures';
import { gql, serveTestDatabase } from '../support/server';
import { until } from '../support/wait';

interface Received {
  headers: Record<string, string | undefined>;
  body: string;
  at: number;
}

/** Receivers still listening: closed after each test, passed or failed (an open one keeps jest alive). */
const open = new Set<() => Promise<void>>();
afterEach(async () => {
  await Promise.all([...open].map((close) => close()));
});

/** A local receiver; `answer` decides each response (default 200). */
async function receiver(answer: (n: number, req: IncomingMessage, res: ServerResponse) => void = (_n, _q, res) => res.writeHead(200).end('ok')) {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers as Record<string, string>, body, at: Date.now() });
      answer(got.length, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const close = () => {
    open.delete(close);
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  };
  open.add(close);
  return { got, url: `http://127.0.0.1:${port}/hook`, port, close };
}

const CREATE = `mutation($input: WebhookInput!) { createWebhook(input: $input) { secret webhook { id } } }`;
const policy = { allow: ['127.0.0.1'] };
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');


/**
 * Messages to a paced endpoint arrive at most one per `gapMs` on average. Each send starts at its own slot
 * (slots `gapMs` apart, shared by every worker) but may leave late on a loaded machine, so it can arrive
 * close to the next one: arrival gaps between neighbours prove nothing. What holds whatever the delay (up to
 * one gap) is that no three messages meet: messages i and j arrive at least (j - i - 1) gaps apart.
 * Without pacing every message arrives within a few milliseconds, which fails this from the third message on
 * (the callers with five and three messages prove the pace; two messages alone prove nothing).
 */
function expectPaced(arrivals: readonly number[], gapMs: number): void {
  const at = [...arrivals].sort((a, b) => a - b);
  for (let i = 0; i < at.length; i++) {
    for (let j = i + 2; j < at.length; j++) expect(at[j]! - at[i]!).toBeGreaterThanOrEqual((j - i - 1) * gapMs * 0.9);
  }
}
describe('webhooks', () => {
  // Receivers listen on 127.0.0.1: allow-listed here, as WEBHOOK_ALLOW_HOSTS would.
  const ctx = serveTestDatabase({ each: true, webhookPolicy: policy });
  let admin: Record<string, string>;
  let workers: WebhookWorker[];
  const worker = async (extra: Partial<ConstructorParameters<typeof WebhookWorker>[0]> = {}) => {
    const w = new WebhookWorker({
      database: ctx.db,
      log,
      policy,
      pollMs: 50,
      // A deadline no loaded machine reaches by accident: a receiver in this process that answers late
      // would otherwise be retried, and "exactly these deliveries" would see the retry. The test of
      // the deadline itself sets its own.
      timeoutMs: 10_000,
      retryScale: 0.001,
      onAttempt: (outcome, ms) => ctx.server.app.metrics.webhookAttempt(outcome, ms),
      ...extra,
    });
    await w.start();
    workers.push(w);
    return w;
  };
  const register = async (url: string, filter: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => {
    const res = await gql<{ createWebhook: { secret: string; webhook: { id: string } } }>(ctx.server.url, CREATE, { input: { url, format: 'JSON', filter, ...more } }, admin);
    expect(res.errors).toBeUndefined();
    return res.data!.createWebhook;
  };
  const deliveries = async (id: string) =>
    (await gql<{ webhook: { enabled: boolean; disabledReason: string | null; deliveries: { status: string; attempts: number; lastStatusCode: number | null; lastError: string | null; messageId: string }[] } }>(
      ctx.server.url,
      'query($id: ID!) { webhook(id: $id) { enabled disabledReason deliveries(first: 100) { status attempts lastStatusCode lastError messageId } } }',
      { id },
      admin,
    )).data!.webhook;

  /**
   * The outbox has settled: the dispatcher has read every event of the log, and no delivery (of
   * `webhookIds`, or of any endpoint) waits to be sent or retried. A delivery is marked done only
   * once its receiver answered, so whatever a receiver will get for what was published, it has got.
   */
  const settled = (webhookIds?: string[]) =>
    until(async () => {
      const [cursor] = await ctx.db.db.select().from(webhookCursor);
      if (!cursor || comparePositions(cursor, await head(ctx.db.db)) < 0) return false;
      if (!webhookIds) return (await outboxStats(ctx.db.db)).pending === 0;
      const views = await Promise.all(webhookIds.map(deliveries));
      return views.every((v) => v.deliveries.every((d) => d.status !== 'PENDING'));
    }, 'the webhook outbox to settle');

  beforeEach(async () => {
    workers = [];
    admin = { authorization: `Bearer ${(await createApiKey(ctx.db.db, { name: 'admin', scopes: ['admin'] })).key}` };
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });

  it('sends exactly the matching items, signed so the receiver can verify them', async () => {
    const r = await receiver();
    const { secret, webhook } = await register(r.url, { minImportance: 'HIGH' });
    await worker();
    await store(ctx.db, exampleReport('2026-11-20-ai-intel'));
    await store(ctx.db, exampleReport('2026-11-21-ai-digest-en'));
    await until(() => r.got.length >= 4, 'four HIGH items');
    await settled();
    expect(r.got).toHaveLength(4);
    for (const g of r.got) {
      expect(verifyWebhook(secret, g.headers, g.body)).toBe(true);
      expect(verifyWebhook(secret, g.headers, g.body.replace('HIGH', 'LOW'))).toBe(false);
      const p = JSON.parse(g.body) as { type: string; version: number; id: string; data: { item: { importance: string; report: { slug: string }; section: { key: string }; entities: unknown[]; sources: unknown[] } } };
      expect(p).toMatchObject({ type: 'item.published', version: 1, data: { item: { importance: 'HIGH' } } });
      expect(p.id).toMatch(/^evt_\d+$/);
      expect(Array.isArray(p.data.item.entities) && Array.isArray(p.data.item.sources)).toBe(true);
      expect(g.headers['webhook-id']).toMatch(/^msg_[0-9a-f-]{36}$/);
    }
    expect((await deliveries(webhook.id)).deliveries.every((d) => d.status === 'SUCCEEDED' && d.attempts === 1)).toBe(true);
    const metrics = await (await fetch(`${ctx.server.url}/metrics`)).text();
    expect(metrics).toMatch(/^digestql_webhook_attempts_total\{outcome="succeeded"\} 4$/m);
    expect(metrics).toMatch(/^digestql_webhook_pending 0$/m);
    expect(metrics).toMatch(/^digestql_webhook_attempt_duration_seconds_count 4$/m);
  });

  it('retries a failing receiver with the same webhook-id until it answers 2xx', async () => {
    const r = await receiver((n, _q, res) => res.writeHead(n <= 3 ? 500 : 200).end());
    const { webhook } = await register(r.url, { minImportance: 'HIGH' });
    await worker();
    await store(ctx.db, syntheticReport('retry', 1));
    await until(() => r.got.length >= 4, 'four attempts');
    expect(new Set(r.got.map((g) => g.headers['webhook-id'])).size).toBe(1);
    const [d] = (await deliveries(webhook.id)).deliveries;
    expect(d).toMatchObject({ status: 'SUCCEEDED', attempts: 4, lastStatusCode: 200 });
  });

  it('honours Retry-After on 429, does not follow redirects, retries a timeout, and disables an endpoint that answers 410', async () => {
    const limited = await receiver((n, _q, res) => (n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end()));
    const target = await receiver();
    const redirect = await receiver((_n, _q, res) => res.writeHead(302, { location: target.url }).end());
    // (A receiver slower than the worker's 500 ms deadline: the timer is the behaviour under test.)
    const slow = await receiver((n, _q, res) => (n === 1 ? setTimeout(() => res.writeHead(200).end(), 1500) : res.writeHead(200).end()));
    const gone = await receiver((_n, _q, res) => res.writeHead(410).end());
    const hooks = await Promise.all([limited, redirect, slow, gone].map((x) => register(x.url, { minImportance: 'HIGH' })));
    await worker({ timeoutMs: 500 });
    await store(ctx.db, syntheticReport('faults', 1));

    await until(() => limited.got.length >= 2, 'the retry after 429');
    expect(limited.got[1]!.at - limited.got[0]!.at).toBeGreaterThanOrEqual(900);
    await until(() => redirect.got.length >= 2, 'a retry of the redirect');
    expect(target.got).toHaveLength(0);
    const redirected = (await deliveries(hooks[1]!.webhook.id)).deliveries[0]!;
    expect(redirected.lastError).toMatch(/redirect to .* not followed/);
    await until(() => slow.got.length >= 2, 'the retry after a timeout');
    await until(() => gone.got.length >= 1, 'the 410');
    await settled([hooks[3]!.webhook.id]);
    const g = await deliveries(hooks[3]!.webhook.id);
    expect(g.enabled).toBe(false);
    expect(g.disabledReason).toMatch(/^410 Gone/);
    expect(g.deliveries[0]).toMatchObject({ status: 'DEAD', lastStatusCode: 410 });
    // Disabled: the next item is not sent there.
    await store(ctx.db, syntheticReport('after-gone', 1, '2026-02-01T00:00:00Z'));
    await until(() => limited.got.length >= 3, 'the next item elsewhere');
    await settled([hooks[3]!.webhook.id]);
    expect(gone.got).toHaveLength(1);
    await Promise.all([limited, target, redirect, slow, gone].map((x) => x.close()));
  });

  it('ends an attempt at its absolute deadline however slowly the receiver trickles its answer, and never sends it twice at once', async () => {
    const closed: number[] = [];
    // Answers 200 at once, then one byte every 50 ms, forever: never idle, never complete.
    const r = await receiver((_n, _q, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const drip = setInterval(() => res.write('.'), 50);
      res.on('close', () => {
        clearInterval(drip);
        closed.push(Date.now());
      });
    });
    const { webhook } = await register(r.url);
    await worker({ timeoutMs: 1000 });
    await store(ctx.db, syntheticReport('trickle', 1));
    await until(() => r.got.length >= 2 && closed.length >= 1, 'the first attempt to end and a retry to arrive', 15_000);
    // The retry came after the first attempt's connection was closed, not beside it.
    expect(r.got[1]!.at).toBeGreaterThanOrEqual(closed[0]!);
    expect(closed[0]! - r.got[0]!.at).toBeLessThan(5_000);
    const [d] = (await deliveries(webhook.id)).deliveries;
    expect(d!.lastError).toBe('no complete response within 1000 ms (headers and body)');
    expect(new Set(r.got.map((g) => g.headers['webhook-id'])).size).toBe(1);
  });

  it('with two workers on one database, sends each attempt once; a claim left by a dead worker is sent after its lease', async () => {
    const r = await receiver();
    await register(r.url);
    // A worker that claimed and died: it wrote the outbox and took a claim it never sent.
    await ensureCursor(ctx.db.db);
    await store(ctx.db, syntheticReport('crash', 1));
    await dispatchOnce(ctx.db.db);
    expect(await claimDue(ctx.db.db, 10, 1000)).toHaveLength(1);
    // A generous deadline: a timed-out attempt is retried (same webhook-id), which is not what this counts.
    await Promise.all([worker({ timeoutMs: 5000 }), worker({ timeoutMs: 5000 })]);
    await store(ctx.db, syntheticReport('pair', 40, '2026-03-01T00:00:00Z'));
    await until(() => r.got.length >= 41, 'all 41 items', 20_000);
    await settled();
    const ids = r.got.map((g) => g.headers['webhook-id']);
    expect(ids).toHaveLength(41);
    expect(new Set(ids).size).toBe(41);
  }, 30_000);

  it('signs with both secrets while a rotation overlaps', async () => {
    const r = await receiver();
    const { secret: old, webhook } = await register(r.url);
    const rotated = await gql<{ rotateWebhookSecret: { secret: string } }>(ctx.server.url, 'mutation($id: ID!) { rotateWebhookSecret(id: $id, overlapHours: 1) { secret } }', { id: webhook.id }, admin);
    const fresh = rotated.data!.rotateWebhookSecret.secret;
    await worker();
    await store(ctx.db, syntheticReport('rotate', 1));
    await until(() => r.got.length >= 1, 'a delivery');
    const g = r.got[0]!;
    expect(g.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifyWebhook(old, g.headers, g.body)).toBe(true);
    expect(verifyWebhook(fresh, g.headers, g.body)).toBe(true);
  });

  it('posts Slack Block Kit and Discord embeds, paced per endpoint, honouring Discord\'s retry_after', async () => {
    const slack = await receiver();
    const discord = await receiver((n, _q, res) =>
      n === 1 ? res.writeHead(429, { 'content-type': 'application/json' }).end('{"message":"You are being rate limited.","retry_after":1.2,"global":false}') : res.writeHead(204).end(),
    );
    const create = (url: string, format: string) => gql(ctx.server.url, CREATE, { input: { url, format, filter: { minImportance: 'MEDIUM' } } }, admin);
    expect((await create(slack.url, 'SLACK')).errors).toBeUndefined();
    expect((await create(discord.url, 'DISCORD')).errors).toBeUndefined();
    await worker({ linkTemplate: 'https://digest.example/{slug}#{id}' });
    await store(ctx.db, exampleReport('2026-11-21-ai-digest-en'));
    await until(() => slack.got.length >= 3, 'three Slack messages');
    const messages = slack.got.map((g) => JSON.parse(g.body) as { text: string; blocks: { type: string; text?: { text: string } }[] });
    expect(messages[0]!.blocks[0]!.type).toBe('header');
    expect(JSON.stringify(messages[0])).toContain('https://digest.example/2026-11-21-ai-digest-en#');
    // About one message a second to one Slack webhook.
    expectPaced(slack.got.map((g) => g.at), 1000);
    const firstId = () => discord.got[0]!.headers['webhook-id'];
    await until(() => discord.got.filter((g) => g.headers['webhook-id'] === firstId()).length >= 2, 'the Discord retry');
    const [refused, retried] = discord.got.filter((g) => g.headers['webhook-id'] === firstId());
    // retry_after 1.2 s in the body, rounded up: not before 2 s.
    expect(retried!.at - refused!.at).toBeGreaterThanOrEqual(1900);
    // The endpoint as a whole was told to wait: nothing else went to it before retry_after.
    for (const g of discord.got.slice(1)) expect(g.at - refused!.at).toBeGreaterThanOrEqual(1150);
    const embed = (JSON.parse(retried!.body) as { embeds: { title: string; color: number }[] }).embeds[0]!;
    expect(embed.title.length).toBeGreaterThan(0);
    expect([0xe53935, 0xffb300]).toContain(embed.color);
  }, 30_000);

  const batchView = async (id: string) =>
    (await gql<{
      webhook: {
        schedule: { high: string; medium: string; low: string; dailyHourUtc: number };
        pendingBatches: { mode: string; windowStart: string; sendsAt: string; itemCount: number }[];
        deliveries: { status: string; eventIds: string[]; batch: { mode: string; part: number; parts: number; windowEnd: string } | null }[];
      };
    }>(
      ctx.server.url,
      `query($id: ID!) { webhook(id: $id) { schedule { high medium low dailyHourUtc } pendingBatches { mode windowStart sendsAt itemCount }
        deliveries(first: 100) { status eventIds batch { mode part parts windowEnd } } } }`,
      { id },
      admin,
    )).data!.webhook;

  it('sends HIGH at once and batches MEDIUM hourly and LOW daily, one signed message per window', async () => {
    const r = await receiver();
    // Daily batches go out half a day from now: never at the same moment as the hourly one.
    const dailyHour = (new Date().getUTCHours() + 12) % 24;
    const { secret, webhook } = await register(r.url, {}, { schedule: { medium: 'HOURLY', low: 'DAILY', dailyHourUtc: dailyHour } });
    let clock = new Date();
    await worker({ now: () => clock });
    const publishedAt = Date.now();
    await store(ctx.db, exampleReport('2026-11-20-ai-intel')); // 2 HIGH, 3 MEDIUM, 1 LOW
    await until(() => r.got.length >= 2, 'the two HIGH items');
    await settled();
    expect(r.got.map((g) => (JSON.parse(g.body) as { data: { item: { importance: string } } }).data.item.importance)).toEqual(['HIGH', 'HIGH']);

    const waiting = await batchView(webhook.id);
    expect(waiting.schedule).toEqual({ high: 'IMMEDIATE', medium: 'HOURLY', low: 'DAILY', dailyHourUtc: dailyHour });
    const hourEnd = Math.floor(publishedAt / 3_600_000) * 3_600_000 + 3_600_000;
    const [hourly, daily] = waiting.pendingBatches;
    expect(hourly).toMatchObject({ mode: 'HOURLY', itemCount: 3 });
    expect([hourEnd, hourEnd + 3_600_000]).toContain(Date.parse(hourly!.sendsAt)); // (an hour may turn during the test)
    expect(daily).toMatchObject({ mode: 'DAILY', itemCount: 1 });
    expect(new Date(daily!.sendsAt).getUTCHours()).toBe(dailyHour);
    expect(Date.parse(daily!.sendsAt) - Date.parse(daily!.windowStart)).toBe(86_400_000);
    let metrics = await (await fetch(`${ctx.server.url}/metrics`)).text();
    expect(metrics).toMatch(/^digestql_webhook_batched_items 4$/m);

    // The hour ends: one message with the three MEDIUM items.
    clock = new Date(hourly!.sendsAt);
    await until(() => r.got.length >= 3, 'the hourly batch');
    const batch = JSON.parse(r.got[2]!.body) as { type: string; id: string; data: { mode: string; part: number; parts: number; window: { end: string }; events: { type: string; id: string; data: { item: { importance: string } } }[] } };
    expect(verifyWebhook(secret, r.got[2]!.headers, r.got[2]!.body)).toBe(true);
    expect(batch).toMatchObject({ type: 'item.batch', data: { mode: 'HOURLY', part: 1, parts: 1, window: { end: hourly!.sendsAt } } });
    expect(batch.data.events.map((e) => [e.type, e.data.item.importance])).toEqual([
      ['item.published', 'MEDIUM'],
      ['item.published', 'MEDIUM'],
      ['item.published', 'MEDIUM'],
    ]);
    await settled();
    expect(r.got).toHaveLength(3);

    // The day ends: the LOW item, alone.
    clock = new Date(daily!.sendsAt);
    await until(() => r.got.length >= 4, 'the daily batch');
    const dayBatch = JSON.parse(r.got[3]!.body) as { data: { mode: string; events: { data: { item: { importance: string } } }[] } };
    expect(dayBatch.data.mode).toBe('DAILY');
    expect(dayBatch.data.events.map((e) => e.data.item.importance)).toEqual(['LOW']);

    const after = await batchView(webhook.id);
    expect(after.pendingBatches).toEqual([]);
    const batched = after.deliveries.filter((d) => d.batch);
    expect(batched.map((d) => [d.batch!.mode, d.eventIds.length, d.status]).sort()).toEqual([
      ['DAILY', 1, 'SUCCEEDED'],
      ['HOURLY', 3, 'SUCCEEDED'],
    ]);
    expect(batched.find((d) => d.batch!.mode === 'HOURLY')!.eventIds).toEqual(batch.data.events.map((e) => e.id));
    metrics = await (await fetch(`${ctx.server.url}/metrics`)).text();
    expect(metrics).toMatch(/^digestql_webhook_batched_items 0$/m);
  });

  it('sends an item changed within its window once, as it is now, and leaves out one published and removed in it', async () => {
    const r = await receiver();
    const { webhook } = await register(r.url, {}, { schedule: { high: 'HOURLY', medium: 'HOURLY', low: 'HOURLY' } });
    let clock = new Date();
    await worker({ now: () => clock });
    const report = exampleReport('2026-11-20-ai-intel');
    await store(ctx.db, report);
    const [first, second] = report.sections[0]!.items;
    const changed = {
      ...report,
      sections: report.sections.map((s, i) => (i === 0 ? { ...s, items: [{ ...first!, summary: 'Rewritten within the hour.' }, ...s.items.slice(2)] } : s)),
    };
    expect(second).toBeDefined();
    await store(ctx.db, changed);
    let pending: Awaited<ReturnType<typeof batchView>>['pendingBatches'] = [];
    await until(async () => (pending = (await batchView(webhook.id)).pendingBatches).reduce((n, b) => n + b.itemCount, 0) >= 8, 'eight events batched');
    // 6 published, 1 updated, 1 removed: eight events wait (or two windows' worth, if the hour turned).
    expect(pending.reduce((n, b) => n + b.itemCount, 0)).toBe(8);
    clock = new Date(Math.max(...pending.map((b) => Date.parse(b.sendsAt))));
    await until(() => r.got.length >= pending.length, 'the batch');
    await settled();
    const events = r.got.flatMap((g) => (JSON.parse(g.body) as { data: { events: { type: string; data: { item: { title: string; summary: string } } }[] } }).data.events);
    expect(events).toHaveLength(5);
    expect(events.every((e) => e.type === 'item.published')).toBe(true);
    expect(events.find((e) => e.data.item.title === first!.title)!.data.item.summary).toBe('Rewritten within the hour.');
    expect(events.some((e) => e.data.item.title === second!.title)).toBe(false);
  });

  it('splits a daily Slack batch of 30 items into messages within Slack\'s limits, each item once', async () => {
    const r = await receiver();
    const { webhook } = await register(r.url, {}, { format: 'SLACK', schedule: { high: 'DAILY', medium: 'DAILY', low: 'DAILY' } });
    let clock = new Date();
    await worker({ now: () => clock, linkTemplate: 'https://digest.example/{slug}#{id}' });
    await store(ctx.db, syntheticReport('daily-slack', 30));
    let pending: Awaited<ReturnType<typeof batchView>>['pendingBatches'] = [];
    await until(async () => (pending = (await batchView(webhook.id)).pendingBatches).reduce((n, b) => n + b.itemCount, 0) >= 30, 'thirty events batched');
    expect(pending).toHaveLength(1);
    clock = new Date(pending[0]!.sendsAt);
    // The window's parts are written together, as deliveries, when it closes.
    await until(() => r.got.length > 0, 'the first part');
    const parts = (await batchView(webhook.id)).deliveries.filter((d) => d.batch);
    expect(parts.every((d) => d.batch!.parts === parts.length)).toBe(true);
    expect(parts.length).toBeGreaterThan(1);
    await until(() => r.got.length >= parts.length, 'every part', 30_000);
    const titles: string[] = [];
    for (const [i, g] of r.got.entries()) {
      const m = JSON.parse(g.body) as { text: string; blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] };
      expect(m.blocks.length).toBeLessThanOrEqual(50);
      expect(m.text.length).toBeLessThanOrEqual(3000);
      expect(m.blocks[0]!.type).toBe('context');
      expect(m.blocks[0]!.elements![0]!.text).toMatch(new RegExp(`^Daily digest · .* · part ${i + 1} of ${parts.length}$`));
      for (const b of m.blocks) {
        if (b.type === 'header') {
          expect(b.text!.text.length).toBeLessThanOrEqual(150);
          titles.push(b.text!.text);
        }
        if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
      }
    }
    expect(titles).toHaveLength(30);
    expect(new Set(titles).size).toBe(30);
    // Paced: about one message a second to one Slack webhook.
    expectPaced(r.got.map((g) => g.at), 1000);
  }, 30_000);

  it('closes each window once when several workers close batches at the same moment', async () => {
    const r = await receiver();
    const { webhook } = await register(r.url, {}, { schedule: { high: 'HOURLY', medium: 'HOURLY', low: 'HOURLY' } });
    await ensureCursor(ctx.db.db);
    await store(ctx.db, exampleReport('2026-11-20-ai-intel'));
    while ((await dispatchOnce(ctx.db.db)) > 0);
    const later = new Date(Date.now() + 2 * 3_600_000);
    const written = await Promise.all([0, 1, 2, 3].map(() => closeBatches(ctx.db.db, later, null)));
    const deliveries = (await batchView(webhook.id)).deliveries;
    expect(written.reduce((a, b) => a + b, 0)).toBe(deliveries.length);
    expect(deliveries.flatMap((d) => d.eventIds)).toHaveLength(6);
    expect(new Set(deliveries.flatMap((d) => d.eventIds)).size).toBe(6);
    expect(await closeBatches(ctx.db.db, later, null)).toBe(0);
  });

  it('refuses a bad schedule, naming the field, and changes a schedule field by field', async () => {
    const url = 'http://127.0.0.1:9/hook';
    const bad = await gql(ctx.server.url, CREATE, { input: { url, format: 'JSON', schedule: { dailyHourUtc: 24 } } }, admin);
    expect(bad.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'input.schedule.dailyHourUtc' } });
    expect(bad.errors![0]!.message).toMatch(/0 to 23/);
    const created = await gql<{ createWebhook: { webhook: { id: string } } }>(ctx.server.url, CREATE, { input: { url, format: 'JSON', schedule: { low: 'DAILY' } } }, admin);
    const id = created.data!.createWebhook.webhook.id;
    const update = (schedule: unknown) =>
      gql<{ updateWebhook: { schedule: Record<string, unknown> } }>(ctx.server.url, 'mutation($id: ID!, $s: WebhookScheduleInput!) { updateWebhook(id: $id, input: { schedule: $s }) { schedule { high medium low dailyHourUtc } } }', { id, s: schedule }, admin);
    expect((await update({ medium: 'HOURLY' })).data!.updateWebhook.schedule).toEqual({ high: 'IMMEDIATE', medium: 'HOURLY', low: 'DAILY', dailyHourUtc: 0 });
    expect((await update({ low: 'IMMEDIATE', dailyHourUtc: 6 })).data!.updateWebhook.schedule).toEqual({ high: 'IMMEDIATE', medium: 'HOURLY', low: 'IMMEDIATE', dailyHourUtc: 6 });
    const unknown = await update({ medium: 'WEEKLY' });
    expect(unknown.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('paces a Slack endpoint across workers: several processes share its one-a-second slots', async () => {
    const slack = await receiver();
    expect((await gql(ctx.server.url, CREATE, { input: { url: slack.url, format: 'SLACK', filter: { minImportance: 'MEDIUM' } } }, admin)).errors).toBeUndefined();
    await Promise.all([worker(), worker(), worker()]);
    await store(ctx.db, exampleReport('2026-11-20-ai-intel')); // 5 items of MEDIUM or above
    await until(() => slack.got.length >= 5, 'five Slack messages', 20_000);
    const at = slack.got.map((g) => g.at).sort((a, b) => a - b);
    expectPaced(at, 1000);
    await settled();
    expect(slack.got).toHaveLength(5);
  }, 30_000);

  it('checks the target before every attempt: a literal IP no longer allow-listed, or IPv4-compatible IPv6, is refused and recorded, never sent', async () => {
    const r = await receiver();
    // Registered while 127.0.0.1 was allow-listed; this worker runs without the allow-list.
    const { webhook } = await register(r.url);
    const compat = await register(r.url);
    // Stored before registration refused the deprecated form (Node would connect to it: ::7f00:1).
    await rawSql(ctx.db, `UPDATE webhooks SET url = 'https://[::127.0.0.1]:${r.port}/hook' WHERE id = '${compat.webhook.id}'`);
    await worker({ policy: { allow: [] } });
    await store(ctx.db, syntheticReport('ssrf', 1));
    let views: Awaited<ReturnType<typeof deliveries>>[] = [];
    await until(async () => {
      views = await Promise.all([deliveries(webhook.id), deliveries(compat.webhook.id)]);
      return views.length === 2 && views.every((v) => v.deliveries[0]?.status === 'DEAD');
    }, 'both deliveries refused', 15_000);
    expect(views[0]!.deliveries[0]).toMatchObject({ attempts: 1, lastStatusCode: null, lastError: expect.stringMatching(/^refused by the SSRF guard, not sent: must be https/) });
    expect(views[1]!.deliveries[0]).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/^refused by the SSRF guard, not sent: host "\[::7f00:1\]" resolves to ::7f00:1/) });
    expect(r.got).toHaveLength(0);
  });

  it('refuses a filter that `items` would refuse (its query too), naming input.filter.query, and changes nothing', async () => {
    const url = 'http://127.0.0.1:9/hook';
    for (const query of ['!!!', '-', 'x'.repeat(600)]) {
      const bad = await gql(ctx.server.url, CREATE, { input: { url, format: 'JSON', filter: { query } } }, admin);
      expect(bad.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'input.filter.query' } });
    }
    const { webhook } = await register(url, { query: 'agents' });
    const update = (query: string) =>
      gql(ctx.server.url, 'mutation($id: ID!, $q: String) { updateWebhook(id: $id, input: { filter: { query: $q } }) { id } }', { id: webhook.id, q: query }, admin);
    const bad = await update('-');
    expect(bad.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'input.filter.query' } });
    expect(bad.errors![0]!.message).toMatch(/^input\.filter\.query: has no word/);
    const listed = await gql<{ webhooks: { id: string; filter: { query: string | null } }[] }>(ctx.server.url, '{ webhooks { id filter { query } } }', {}, admin);
    expect(listed.data!.webhooks).toEqual([{ id: webhook.id, filter: { query: 'agents' } }]);
  });

  it('a stored filter that no longer parses turns its own endpoint off, with the reason; every other endpoint still gets its deliveries', async () => {
    const good = await receiver();
    const broken = await receiver();
    const ok = await register(good.url);
    const bad = await register(broken.url);
    // Stored before create/update checked the query (or since the rules changed).
    await rawSql(ctx.db, `UPDATE webhooks SET filter = '{"query":"!!!"}' WHERE id = '${bad.webhook.id}'`);
    await worker();
    await store(ctx.db, syntheticReport('bad-filter', 2));
    await until(() => good.got.length >= 2, 'both items at the endpoint whose filter is fine');
    const view = await deliveries(bad.webhook.id);
    expect(view).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/^stored filter is invalid \(filter\.query: has no word.*updateWebhook/), deliveries: [] });
    expect((await deliveries(ok.webhook.id)).deliveries).toHaveLength(2);
    expect(broken.got).toHaveLength(0);
  });

  it('redeliver of an unknown delivery is NOT_FOUND naming deliveryId', async () => {
    for (const deliveryId of ['00000000-0000-0000-0000-000000000001', 'nope']) {
      const res = await gql(ctx.server.url, 'mutation($d: ID!) { redeliver(deliveryId: $d) { id } }', { d: deliveryId }, admin);
      expect(res.errors![0]).toMatchObject({ message: `deliveryId: no delivery with id "${deliveryId}"`, extensions: { code: 'NOT_FOUND', argument: 'deliveryId' } });
    }
  });

  it('needs an admin key', async () => {
    const res = await gql(ctx.server.url, CREATE, { input: { url: 'https://example.com/hook', format: 'JSON' } });
    expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });
});

/** Host names the guard resolves (DNS); the IP-literal cases, pure, are in tests/unit/delivery/ssrf.test.ts. */
describe('the SSRF guard', () => {
  const refused = ['http://example.com/hook', 'https://localhost/hook', 'https://user:pass@example.com/'];
  it.each(refused)('refuses %s with the allow-list off', async (url) => {
    await expect(checkWebhookUrl(url, { allow: [] })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'url' } });
  });
});
