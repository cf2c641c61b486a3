/**
 * Waiting on facts, never on time: the one polling helper of the test suite, and the facts a
 * server exposes that tests wait on (its /metrics, most of all its count of live subscriptions).
 */

export interface UntilOptions {
  /** Poll interval (default 25 ms). */
  everyMs?: number;
  /** More to say when the wait times out (the last value seen, a process's output...). */
  detail?: () => string;
}

/** Polls `check` until it holds, failing with what was awaited after `timeoutMs` (a bound that holds on a busy machine). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, options: UntilOptions = {}): Promise<void> {
  const { everyMs = 25, detail } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? ` ${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A timer that IS the behaviour under test (a retry delay, a rate-limit window, a keep-alive
 * interval, a client that is slow on purpose), never a wait for something to happen: every
 * caller says in a comment which timer it measures.
 */
export const elapse = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One sample of a server's /metrics (Prometheus text), by name and optional label text such as `kind="active"`. */
export async function metric(baseUrl: string, name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

/** The server's own count of active subscriptions (grouped members and lone log readers). */
export const activeSubscriptions = async (baseUrl: string): Promise<number> => (await metric(baseUrl, 'digestql_subscriptions', 'kind="active"')) ?? 0;

/**
 * Resolves once the server at `baseUrl` counts at least `n` active subscriptions: they are live, an
 * event published now reaches them. Counts are per server: a test that ended subscriptions
 * waits for `subscriptionsGone` (or counts them in `n`) before it subscribes again.
 */
export const subscriptionsLive = (baseUrl: string, n = 1, timeoutMs = 20_000): Promise<void> =>
  until(async () => (await activeSubscriptions(baseUrl)) >= n, `${n} live subscription(s) at ${baseUrl}`, timeoutMs, { everyMs: 50 });

/** Resolves once the server at `baseUrl` counts at most `n` active subscriptions (ended ones have left). */
export const subscriptionsGone = (baseUrl: string, n = 0, timeoutMs = 20_000): Promise<void> =>
  until(async () => (await activeSubscriptions(baseUrl)) <= n, `at most ${n} live subscription(s) at ${baseUrl}`, timeoutMs, { everyMs: 50 });
