import { createServer, type ServerResponse } from 'node:http';
import { webhookDeliveries } from '../../src/db/tables';
import { createWebhook } from '../../src/modules/webhooks/webhooks.service';
import { startServeProcess, type ServeProcess } from '../support/cli';
import { createTestDatabase, onRealPostgres, type TestDatabase } from '../support/db';
import { store, syntheticReport } from '../support/fixtures';
import { until } from '../support/wait';

const describeOnPostgres = onRealPostgres ? describe : describe.skip;
const title = onRealPostgres ? 'a serve process killed mid-delivery' : 'a serve process killed mid-delivery [skipped: needs TEST_DATABASE_URL; two processes share one database]';

describeOnPostgres(title, () => {
  let db: TestDatabase;
  const processes: ServeProcess[] = [];
  // Requests held without an answer while `hang` is set: the sender is mid-send when it dies.
  let hang = true;
  const held: ServerResponse[] = [];
  const hungIds: string[] = [];
  const answeredIds: string[] = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (hang) {
        hungIds.push(id);
        held.push(res);
        return;
      }
      answeredIds.push(id);
      res.writeHead(200).end();
    });
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL').catch(() => undefined)));
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
    await db.dispose();
  });

  it('loses nothing: the next process sends every claimed delivery, with the same webhook-id', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    await createWebhook(db.db, { url, format: 'JSON' }, { allow: ['127.0.0.1'] });
    // The request timeout outlasts the test's reaction: the sender is still waiting when killed.
    const env = { DATABASE_URL: db.url!, WEBHOOK_ALLOW_HOSTS: '127.0.0.1', WEBHOOK_POLL_MS: '100', WEBHOOK_TIMEOUT_MS: '5000', SEED_EXAMPLES: 'false' };
    const first = await startServeProcess(env);
    processes.push(first);
    await store(db, syntheticReport('killed-mid-send', 6));
    await until(() => hungIds.length === 6, 'six requests in flight', 20_000);
    await first.stop('SIGKILL');
    hang = false;

    processes.push(await startServeProcess(env));
    // The dead process's claims run out (request timeout + 30 s), and the new one sends them.
    await until(() => new Set(answeredIds).size === 6, 'the six deliveries, answered', 60_000);
    expect(new Set(answeredIds)).toEqual(new Set(hungIds));
    // The receiver answered; the sender records each answer a moment later.
    let rows: (typeof webhookDeliveries.$inferSelect)[] = [];
    await until(async () => (rows = await db.db.select().from(webhookDeliveries)).every((r) => r.status !== 'PENDING'), 'the six answers recorded', 20_000);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(Array.from({ length: 6 }, () => ['SUCCEEDED', 2]));
  }, 120_000);
});
