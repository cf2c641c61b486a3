import type { Executor } from '../db/client';
import { logReadOf } from './hub/read-tokens';
import type { EventRecord } from '../modules/events/events.repository';
import { createLoaders, type Loaders } from '../modules/loading/loaders';

/** One snapshot per read of the log; gone with the last event of that read. */
const snapshots = new WeakMap<object, Loaders>();

/**
 * What an event's execution resolves from: one set of loaders per read of the log the event came
 * in, shared read-only by every subscription that executes an event of that read. However many
 * subscribers (and groups), an event's item, entities, sources, tags, section and report are read
 * from the database once. Loaders serve public rows only, and a published event's data is the
 * same for every reader, so sharing them shows no one anything another could not see. A failed
 * read is not kept (DataLoader forgets a batch that failed), so a retry reads again.
 */
export function snapshotLoaders(db: Executor, e: EventRecord): Loaders {
  const read = logReadOf(e);
  if (!read) return createLoaders(db);
  let loaders = snapshots.get(read);
  if (!loaders) snapshots.set(read, (loaders = createLoaders(db)));
  return loaders;
}
