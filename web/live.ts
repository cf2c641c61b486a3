import { createClient, type Client } from 'graphql-ws';
import { graphqlWsUrl } from './connection';

/**
 * The live page: subscribes to itemPublished with the visitor's filter and shows items as they
 * arrive. After a lost connection (a restart, a deploy, a network change) it subscribes again with
 * the last cursor it got, so the server replays what was missed: nothing lost, nothing twice.
 */
interface LiveItem {
  id: string;
  title: string;
  importance: 'HIGH' | 'MEDIUM' | 'LOW' | null;
  publishedAt: string;
  report: { slug: string };
  entities: { name: string }[];
  sources: { label: string; url: string | null }[];
}
interface LiveEvent {
  cursor: string;
  type: 'PUBLISHED' | 'UPDATED' | 'REMOVED';
  item: LiveItem;
}

const SUBSCRIPTION = `subscription Live($filter: ItemFilter, $after: String) {
  itemPublished(filter: $filter, after: $after) {
    cursor
    type
    item { id title importance publishedAt report { slug } entities { name } sources { label url } }
  }
}`;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const form = $<HTMLFormElement>('filter');
const status = $<HTMLSpanElement>('status');
const list = $<HTMLOListElement>('items');

const listOf = (value: string): string[] => value.split(',').map((v) => v.trim()).filter(Boolean);

function setStatus(text: string, state: 'live' | 'connecting' | 'down'): void {
  status.textContent = text;
  status.dataset.state = state;
}

function render(event: LiveEvent): HTMLLIElement {
  const { item } = event;
  const li = document.createElement('li');
  li.className = `item importance-${(item.importance ?? 'none').toLowerCase()}`;
  li.dataset.id = item.id;
  li.dataset.type = event.type;
  const head = document.createElement('div');
  head.className = 'head';
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.textContent = item.importance ?? 'UNRATED';
  const title = document.createElement('span');
  title.className = 'title';
  title.textContent = item.title;
  head.append(badge, title);
  if (event.type !== 'PUBLISHED') {
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = event.type.toLowerCase();
    head.append(kind);
  }
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `${item.report.slug} · ${new Date(item.publishedAt).toLocaleString()}${item.entities.length ? ' · ' + item.entities.map((e) => e.name).join(', ') : ''}`;
  li.append(head, meta);
  const links = item.sources.filter((s) => s.url && /^https?:\/\//.test(s.url));
  if (links.length) {
    const sources = document.createElement('div');
    sources.className = 'sources';
    for (const s of links) {
      const a = document.createElement('a');
      a.href = s.url!;
      a.rel = 'noopener noreferrer';
      a.target = '_blank';
      a.textContent = s.label || new URL(s.url!).hostname;
      sources.append(a);
    }
    li.append(sources);
  }
  return li;
}

let client: Client | null = null;
let stop: (() => void) | null = null;
let lastCursor: string | null = null;
let retryTimer: number | undefined;
let attempt = 0;
let generation = 0;

function currentFilter(): Record<string, unknown> {
  const data = new FormData(form);
  const filter: Record<string, unknown> = {};
  const importance = String(data.get('minImportance') ?? '');
  if (importance) filter.minImportance = importance;
  const tags = listOf(String(data.get('tags') ?? ''));
  if (tags.length) filter.tags = tags;
  const entities = listOf(String(data.get('entities') ?? ''));
  if (entities.length) filter.entities = entities;
  return filter;
}

function connect(filter: Record<string, unknown>, run: number): void {
  setStatus(lastCursor ? 'reconnecting, resuming from the last item…' : 'connecting…', 'connecting');
  const key = String(new FormData(form).get('key') ?? '').trim();
  client = createClient({
    url: graphqlWsUrl(),
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    on: { connected: () => ((attempt = 0), setStatus('live: waiting for items', 'live')) },
  });
  const again = (why: string): void => {
    if (run !== generation) return;
    client?.dispose();
    const delay = Math.min(250 * 2 ** attempt++, 5000);
    setStatus(`${why}; retrying in ${Math.round(delay / 100) / 10} s`, 'down');
    retryTimer = window.setTimeout(() => connect(filter, run), delay);
  };
  stop = client.subscribe<{ itemPublished: LiveEvent }>(
    { query: SUBSCRIPTION, variables: { filter, after: lastCursor } },
    {
      next: (result) => {
        const event = result.data?.itemPublished;
        if (!event) {
          setStatus(`error: ${result.errors?.map((e) => e.message).join('; ') ?? 'no data'}`, 'down');
          return;
        }
        lastCursor = event.cursor;
        list.prepend(render(event));
        list.dataset.count = String(list.children.length);
        setStatus(`live: ${list.children.length} item${list.children.length === 1 ? '' : 's'} so far`, 'live');
      },
      error: (err) => {
        const closed = err instanceof CloseEvent ? `connection closed (${err.code}${err.reason ? `: ${err.reason}` : ''})` : err instanceof Event ? 'connection lost' : `error: ${(err as Error[])[0]?.message ?? String(err)}`;
        // A refused filter or key (an error, or a 44xx close such as 4403) will be refused again:
        // say so and wait for the visitor. Anything else is the connection: resume.
        const refused = !(err instanceof Event) || (err instanceof CloseEvent && err.code >= 4400 && err.code < 4500);
        if (refused) return setStatus(closed, 'down');
        again(closed);
      },
      complete: () => again('the server ended the subscription'),
    },
  );
}

function start(): void {
  generation++;
  window.clearTimeout(retryTimer);
  stop?.();
  client?.dispose();
  lastCursor = null;
  attempt = 0;
  list.replaceChildren();
  list.dataset.count = '0';
  connect(currentFilter(), generation);
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  start();
});
start();
