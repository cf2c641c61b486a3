import type { ServedDatabase } from './server';
import { until } from './wait';
import type { TestSubscription } from './ws-client';

export interface FanOutCost {
  /** SQL statements the database ran from the publish until every subscription had its events. */
  spent: number;
  /** Shared groups the subscriptions formed. */
  groups: number;
}

/**
 * What a publish costs the database while `subs` (new, grouped subscriptions) receive it: waits for
 * every one to join its group, publishes, waits until each has `events` events, then ends them.
 * Counting stops at the last event received: the work under test (reading an event's data, for a
 * group or per subscriber) is done before the event is sent; what trails is the hub's own read.
 */
export async function fanOutCost(ctx: ServedDatabase, subs: TestSubscription<unknown>[], events: number, publish: () => Promise<unknown>): Promise<FanOutCost> {
  const groups = () => ctx.server.app.subscriptionGroups();
  await until(() => groups().members === subs.length, `${subs.length} members`);
  const joined = groups().groups;
  const before = ctx.db.statements.count;
  await publish();
  await Promise.all(subs.map((s) => s.waitFor(events)));
  const spent = ctx.db.statements.count - before;
  await Promise.all(subs.map((s) => s.dispose()));
  await until(() => groups().groups === 0, 'the groups to close');
  return { spent, groups: joined };
}
