/** Waiting on facts, never on time: poll a condition until it holds, with a bound that holds on a busy machine. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One sample of a server's /metrics (Prometheus text), by name and optional label text such as `kind="active"`. */
export async function metric(baseUrl: string, name: string, labels = ''): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

/** Resolves once the server at `baseUrl` counts at least `n` active subscriptions: they are live, an event published now reaches them. */
export const subscriptionsLive = (baseUrl: string, n = 1, timeoutMs = 20_000): Promise<void> =>
  until(async () => ((await metric(baseUrl, 'digestql_subscriptions', 'kind="active"')) ?? 0) >= n, `${n} live subscription(s) at ${baseUrl}`, timeoutMs, 50);
