import type { ServerResponse } from 'node:http';
import type { Database } from '../../db/client';
import { pendingMigrations } from '../../db/migrations';
import type { EventHub } from '../../realtime/event-hub';
import { sendJson } from './body';

const within = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]).catch(() => fallback);

/**
 * Ready to serve: the database answers, this build's migrations are all applied, and the event
 * listener hears NOTIFY (so subscribers get events at once, not at the next safety poll).
 * Each check has a second; a check that fails or hangs says so.
 */
export async function readiness(database: Database, hub: EventHub): Promise<{ ready: boolean; body: Record<string, string> }> {
  const [db, pending, listener] = await Promise.all([
    within(database.ping().then(() => true), 1000, false),
    within(pendingMigrations(database.db), 1000, -1),
    within(hub.probe(1000), 1500, false),
  ]);
  const migrations = pending === 0 ? 'ok' : pending < 0 ? 'unknown' : `${pending} pending: run digestql migrate`;
  const ready = db && pending === 0 && listener;
  return { ready, body: { status: ready ? 'ready' : 'not ready', database: db ? 'ok' : 'unreachable', migrations, listener: listener ? 'ok' : 'not hearing notifications' } };
}

/** /readyz: 200 when ready, else 503 saying which check failed. */
export async function sendReadiness(res: ServerResponse, database: Database, hub: EventHub): Promise<void> {
  const report = await readiness(database, hub);
  sendJson(res, report.ready ? 200 : 503, report.body, { 'cache-control': 'no-store' });
}

/** /healthz: the process answers. */
export function sendLiveness(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}
