export interface Edge<T> {
  cursor: string;
  node: T;
}

/**
 * A Relay connection. `totalCount` is a method so its COUNT(*) runs only when a client asks
 * for it (graphql-js calls function-valued fields).
 */
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: () => Promise<number>;
}

/** Builds a page from `first + 1` fetched rows: the extra row only says there is a next page. */
export function toConnection<T>(rows: T[], first: number, cursorOf: (row: T) => string, count: () => Promise<number>): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: count,
  };
}
