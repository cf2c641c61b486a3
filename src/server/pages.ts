import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What a person with a browser gets at `/` and at `/graphql`: a short page that says how to
 * query, instead of Apollo's CSRF refusal (a browser's GET carries no preflight header) or a 404.
 * Static text, no script and no CDN: it works offline and under the strictest CSP.
 */

/** A browser navigating here: a GET or HEAD that asks for HTML and carries no GraphQL query of its own. */
export function wantsPage(req: IncomingMessage, url: URL): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (url.searchParams.has('query') || url.searchParams.has('extensions')) return false;
  return (req.headers.accept ?? '').split(',').some((t) => t.trim().toLowerCase().startsWith('text/html'));
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code,pre{font:14px ui-monospace,monospace;background:#f3f3f5;border-radius:4px}pre{padding:.75rem;overflow:auto}code{padding:0 .2rem}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:1.6rem}`;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>digestql: GraphQL API for AI-news digests</title><style>${STYLE}</style></head>
<body>
<h1>digestql</h1>
<p>This server answers GraphQL at <code>/graphql</code>: queries and mutations over HTTP
(<code>POST</code> with a JSON body), subscriptions over WebSocket (protocol <code>graphql-transport-ws</code>, same path).
A browser's address bar cannot send a GraphQL request; use one of these.</p>
<h2>Query over HTTP</h2>
<pre>curl -s http://localhost:4000/graphql \\
  -H 'content-type: application/json' \\
  -d '{"query":"{ latestReport { title date sections { title items { title importance } } } }"}'</pre>
<p>A <code>GET</code> works too for queries: <code>/graphql?query=…</code> with the header <code>apollo-require-preflight: true</code>
(it guards against cross-site requests).</p>
<h2>Subscribe to new items</h2>
<pre>subscription {
  itemPublished(filter: { minImportance: HIGH }) { cursor type item { title importance } }
}</pre>
<p>Connect a <a href="https://github.com/enisdenjo/graphql-ws">graphql-ws</a> client to <code>ws://localhost:4000/graphql</code>
(replace host and port with this server's). Pass <code>after: &lt;cursor&gt;</code> to resume without losing items.</p>
<h2>More</h2>
<ul>
<li><a href="/healthz">/healthz</a> (alive) and <a href="/readyz">/readyz</a> (ready to serve)</li>
<li>The README's "API at a glance" section lists every query, subscription, mutation, error code and limit.</li>
</ul>
</body></html>
`;

/** Sends the page (the body only for GET). */
export function sendPage(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(PAGE),
    'cache-control': 'no-cache',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : PAGE);
}
