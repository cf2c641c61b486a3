import type { EventRecord } from '../../modules/events/events.repository';

/**
 * Which read of the log an event came from: every event of one read shares a token, and
 * subscriptions resolve an event's data from one snapshot per token (see event-snapshot.ts), so a
 * batch costs the same database reads for one subscriber as for thousands.
 */
const readOf = new WeakMap<EventRecord, object>();

export function logReadOf(e: EventRecord): object | undefined {
  return readOf.get(e);
}

/** Marks the events of one read of the log as read together. */
export function tagRead(batch: EventRecord[]): EventRecord[] {
  const token = {};
  for (const e of batch) readOf.set(e, token);
  return batch;
}
