import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { packageRoot } from '../db/paths';
import { markdownToHtml } from '../modules/feeds/feed-render';
import { ASSET_NAMES, webAssets, type AssetName } from './web-assets';

/**
 * Pages for people with a browser: the index (/), the explorer (GraphiQL at /graphql), the live
 * page (/live) and the README's API section (/docs/api). Scripts and styles come from this server
 * (/assets/…); the CSP allows nothing else, so a page works offline and cannot load a CDN.
 */

const CSP_SCRIPTED = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const CSP_STATIC = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendHtml(req: IncomingMessage, res: ServerResponse, html: string, csp: string): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-cache',
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code,pre{font:14px ui-monospace,monospace;background:#f3f3f5;border-radius:4px}pre{padding:.75rem;overflow:auto}code{padding:0 .2rem}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:1.6rem}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .4rem;text-align:left}`;

const page = (title: string, body: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;

const INDEX = page(
  'digestql',
  `<h1>digestql</h1>
<p>A realtime GraphQL API for AI-news digests.</p>
<ul>
<li><a href="/graphql">Explorer</a>: run queries, mutations and subscriptions against this server, with the schema's docs.</li>
<li><a href="/live">Live page</a>: items as they are published, filtered by importance, tags or entities.</li>
<li>Feeds: <a href="/feeds/items.atom">Atom</a>, <a href="/feeds/items.rss">RSS</a>, <a href="/feeds/items.json">JSON Feed</a>,
<a href="/feeds/items.atom?minImportance=HIGH">HIGH items only</a>, <a href="/feeds/reports.atom">reports</a>,
and <a href="/feeds/opml">an OPML list</a> of a feed per section and importance.</li>
<li><a href="/docs/api">The API at a glance</a> (from the README): queries, subscriptions, publishing, keys, limits, errors.</li>
<li><a href="/healthz">/healthz</a> and <a href="/readyz">/readyz</a>.</li>
</ul>
<p>GraphQL: <code>POST /graphql</code> over HTTP, <code>ws://…/graphql</code> (graphql-transport-ws) for subscriptions.</p>`,
);

export const sendIndex = (req: IncomingMessage, res: ServerResponse): void => sendHtml(req, res, INDEX, CSP_STATIC);

const EXPLORER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>digestql explorer</title>
<link rel="stylesheet" href="/assets/explorer.css">
<style>html,body,#graphiql{height:100%;margin:0}</style>
<script src="/assets/explorer.js" defer></script>
</head>
<body><div id="graphiql"><p style="font:16px system-ui;padding:1rem">Loading the explorer…</p></div></body></html>
`;

export const sendExplorer = (req: IncomingMessage, res: ServerResponse): void => sendHtml(req, res, EXPLORER, CSP_SCRIPTED);

const LIVE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>digestql live</title>
<style>${STYLE}
body{max-width:52rem}form{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;padding:.75rem;background:#f6f6f8;border-radius:6px}
label{display:flex;flex-direction:column;font-size:.8rem;color:#555}input,select,button{font:inherit;padding:.25rem .4rem}
#status{display:inline-block;margin:.75rem 0;font-size:.9rem}#status::before{content:"●";margin-right:.4rem;color:#999}
#status[data-state=live]::before{color:#2e7d32}#status[data-state=down]::before{color:#c62828}#status[data-state=connecting]::before{color:#f9a825}
ol{list-style:none;padding:0}.item{border-left:6px solid #bbb;padding:.5rem .75rem;margin:.6rem 0;background:#fafafa;border-radius:0 6px 6px 0}
.importance-high{border-color:#e53935}.importance-medium{border-color:#ffb300}.importance-low{border-color:#9e9e9e}
.badge{font-size:.7rem;font-weight:600;padding:.05rem .35rem;border-radius:3px;margin-right:.5rem;color:#fff;background:#9e9e9e}
.importance-high .badge{background:#e53935}.importance-medium .badge{background:#ffb300;color:#222}
.title{font-weight:600}.kind{font-size:.75rem;margin-left:.5rem;color:#666}.meta{font-size:.85rem;color:#555}.sources a{font-size:.85rem;margin-right:.75rem}</style>
<script src="/assets/live.js" defer></script>
</head>
<body>
<h1>Live items</h1>
<form id="filter">
<label>Importance at least<select name="minImportance"><option value="">any</option><option value="HIGH">HIGH</option><option value="MEDIUM">MEDIUM</option><option value="LOW">LOW</option></select></label>
<label>Tags (comma-separated)<input name="tags" placeholder="RLHF, GPU"></label>
<label>Entities (comma-separated)<input name="entities" placeholder="OpenAI"></label>
<label>API key (if needed)<input name="key" type="password" autocomplete="off"></label>
<button type="submit">Watch</button>
</form>
<span id="status" data-state="connecting">starting…</span>
<ol id="items" data-count="0"></ol>
<noscript>This page needs JavaScript; the <a href="/feeds/items.atom">feeds</a> do not.</noscript>
</body></html>
`;

export const sendLive = (req: IncomingMessage, res: ServerResponse): void => sendHtml(req, res, LIVE, CSP_SCRIPTED);

let apiDocs: string | null = null;

/** The README's "API at a glance" section as a page: what the index links as the API reference. */
export function sendApiDocs(req: IncomingMessage, res: ServerResponse): void {
  if (apiDocs === null) {
    const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
    const start = readme.indexOf('## API at a glance');
    const end = readme.indexOf('\n## ', start + 1);
    const section = start < 0 ? 'The README is not part of this installation.' : readme.slice(start, end < 0 ? undefined : end);
    apiDocs = page('digestql API', `<p><a href="/">← digestql</a></p>\n${markdownToHtml(section)}`);
  }
  sendHtml(req, res, apiDocs, CSP_STATIC);
}

/** GET /assets/<name>: the bundled scripts and styles, revalidated by ETag. */
export async function sendAsset(req: IncomingMessage, res: ServerResponse, name: string): Promise<boolean> {
  if (!(ASSET_NAMES as readonly string[]).includes(name)) return false;
  const a = (await webAssets()).get(name as AssetName)!;
  const headers = { etag: a.etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers).end();
    return true;
  }
  res.writeHead(200, { ...headers, 'content-type': a.type, 'content-length': a.body.length });
  res.end(req.method === 'HEAD' ? undefined : a.body);
  return true;
}
