import { gql, PUBLISH_TOKEN } from './server';
import { until } from './wait';
import type { Received, TestSubscription } from './ws-client';

/**
 * "Receives nothing more" as a fact, not a timeout: after the events under test, publish a
 * sentinel that the subscription's filter matches. Events reach a subscription in log order, so
 * once the sentinel has arrived, whatever came before it is all that ever will.
 */
export interface SentinelItem {
  importance?: 'HIGH' | 'MEDIUM' | 'LOW';
  tags?: string[];
  entities?: string[];
  /** Report date (default 2026-11-22), for filters with `from`/`to`. */
  date?: string;
  /** Report slug, for a `reportSlug` filter (default the marker). */
  slug?: string;
}

const PUBLISH_REPORT = `mutation($input: ReportInput!) { publishReport(input: $input) { report { items { id } } } }`;
let published = 0;
/** Marker → the sentinel item's id, for subscriptions that select no text the marker is in. */
const itemIds = new Map<string, string>();

/**
 * Publishes a report of one item (section top-headlines) through the server at `url`, and returns
 * its marker: the item's title and the report's slug and title all contain it (and a result that
 * carries only the item's id is recognised too).
 */
export async function publishSentinel(url: string, item: SentinelItem = {}, token = PUBLISH_TOKEN): Promise<string> {
  const marker = `sentinel-${process.pid}-${++published}`;
  const input = {
    slug: item.slug ?? marker,
    title: `Report ${marker}`,
    date: item.date ?? '2026-11-22',
    sections: [{ title: '今日焦點（Top Headlines）', items: [{ title: `Item ${marker}`, importance: item.importance ?? 'HIGH', tags: item.tags, entities: item.entities }] }],
  };
  const res = await gql<{ publishReport: { report: { items: { id: string }[] } } }>(url, PUBLISH_REPORT, { input }, { authorization: `Bearer ${token}` });
  if (res.errors || !res.data) throw new Error(`the sentinel was not published: ${JSON.stringify(res.errors)}`);
  itemIds.set(marker, res.data.publishReport.report.items[0]!.id);
  return marker;
}

const carries = (r: Received<unknown>, marker: string): boolean => {
  const data = JSON.stringify(r.data ?? null);
  const id = itemIds.get(marker);
  return data.includes(marker) || (id !== undefined && data.includes(id));
};

/**
 * How many results `sub` got before the first sentinel to reach it (waiting for one to arrive).
 * Several sentinels, published one after another, serve subscriptions no single item would match.
 */
export async function resultsBeforeSentinel<T>(sub: TestSubscription<T>, markers: string | string[], timeoutMs = 20_000): Promise<number> {
  const list = typeof markers === 'string' ? [markers] : markers;
  const isSentinel = (r: Received<T>): boolean => list.some((m) => carries(r, m));
  await until(() => sub.results.some(isSentinel), `a sentinel (${list.join(', ')}; ${sub.results.length} results so far)`, timeoutMs);
  return sub.results.findIndex(isSentinel);
}
