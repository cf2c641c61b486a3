import 'graphiql/style.css';
import { GraphiQL } from 'graphiql';
import { getOperationAST, parse } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { graphqlWsUrl } from './connection';

/**
 * The explorer: GraphiQL, bundled with everything it needs and served by digestql itself (no CDN).
 * Queries and mutations go over HTTP, subscriptions over graphql-ws; the header editor's
 * Authorization reaches both (as connectionParams on the socket).
 */
type Params = { query: string; variables?: Record<string, unknown> | null; operationName?: string | null };
type Options = { headers?: Record<string, unknown> } | undefined;

const sockets = new Map<string, Client>();
function socketFor(authorization: string | undefined): Client {
  const key = authorization ?? '';
  let client = sockets.get(key);
  if (!client) {
    client = createClient({ url: graphqlWsUrl(), connectionParams: authorization ? { authorization } : {}, lazy: true, retryAttempts: 3 });
    sockets.set(key, client);
  }
  return client;
}

/**
 * The operation to run. GraphiQL reads the operation name from the editor after a debounce, so
 * right after a tab switch or an edit it may still send the previous one ("Unknown operation
 * named …"): a name the document lacks, in a document of one operation, means that operation.
 */
function resolve(p: Params): { params: Params; subscription: boolean } {
  try {
    const doc = parse(p.query);
    const operations = doc.definitions.filter((d) => d.kind === 'OperationDefinition');
    const stale = p.operationName && operations.length === 1 && operations[0]!.name?.value !== p.operationName;
    const params = stale ? { ...p, operationName: operations[0]!.name?.value ?? null } : p;
    return { params, subscription: getOperationAST(doc, params.operationName ?? undefined)?.operation === 'subscription' };
  } catch {
    return { params: p, subscription: false }; // the server says what is wrong with the document
  }
}

function fetcher(asked: Params, options: Options) {
  const { params, subscription } = resolve(asked);
  // An empty value (the editor's placeholder) is no header at all.
  const headers = Object.fromEntries(Object.entries(options?.headers ?? {}).filter(([, v]) => v != null && v !== '').map(([k, v]) => [k, String(v)]));
  const authorization = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  if (subscription) {
    return socketFor(authorization).iterate({ query: params.query, variables: params.variables ?? {}, operationName: params.operationName ?? null });
  }
  return fetch('/graphql', {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify(params),
  }).then((res) => res.json());
}

const EXAMPLES = [
  `# Today's report: its sections and items. Press ▶ (or Ctrl-Enter) to run.
query LatestReport {
  latestReport {
    title
    date
    language
    sections {
      title
      items { title importance tags entities { name } }
    }
  }
}
`,
  `# The newest HIGH items, with where to read them.
query HighItems {
  items(first: 10, filter: { minImportance: HIGH }) {
    totalCount
    edges { node { title importance publishedAt report { slug } sources { url } } }
  }
}
`,
  `# One entity across every report.
query Entity {
  entity(name: "RLHF") {
    name
    mentionCount
    firstSeen
    lastSeen
    items(first: 5) { edges { node { title report { slug } } } }
  }
}
`,
  `# Items as they are published (graphql-ws). Keep the last cursor and pass it as \`after\` to resume.
subscription HighItemsLive {
  itemPublished(filter: { minImportance: HIGH }) {
    cursor
    type
    item { title importance entities { name } }
  }
}
`,
];

createRoot(document.getElementById('graphiql')!).render(
  createElement(GraphiQL, {
    fetcher: fetcher as never, // GraphiQL's Fetcher type is a union this function satisfies at run time
    defaultTabs: EXAMPLES.map((query) => ({ query })),
    defaultHeaders: '{\n  "Authorization": ""\n}',
    defaultEditorToolsVisibility: 'headers',
    isHeadersEditorEnabled: true,
  }),
);
