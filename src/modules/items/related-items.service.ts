import type { GraphQLContext } from '../../graphql/context';
import { tokenise } from '../../text/fold';
import { loaderFor } from '../loading/arg-loaders';
import { pageSize } from '../pagination/cursor';
import { quoteLexeme } from '../search/search-doc';
import type { ItemRecord } from './items.repository';
import * as repo from './related-items.repository';

export interface RelatedItemRecord {
  item: ItemRecord;
  reasons: repo.RelationReason[];
}

/** SIMILAR_TEXT: the other title holds at least this share of this title's tokens, and at least MIN_SHARED of them. */
const SIMILAR_SHARE = 0.6;
const MIN_SHARED = 3;

const titleTokens = (title: string): Set<string> => new Set(tokenise(title).filter((t) => t.kind !== 'tail').map((t) => t.text));

/** Items of other reports in the same story (shared source, two shared entities, or a similar title), newest first. */
export async function relatedItems(ctx: GraphQLContext, item: ItemRecord, args: { first?: number | null }): Promise<RelatedItemRecord[]> {
  const first = pageSize(args.first ?? 5, ctx.limits.maxPageSize);
  const loader = loaderFor(ctx, `related-items|${first}`, async (ids) => {
    const parents = (await ctx.loaders.itemById.loadMany(ids)).map((p) => (p && !(p instanceof Error) ? p : null));
    const tokens = new Map(parents.filter((p): p is ItemRecord => !!p).map((p) => [p.id, titleTokens(p.title)]));
    const queries = [...tokens]
      .filter(([, t]) => t.size >= MIN_SHARED)
      .map(([id, t]) => ({ id, tsquery: [...t].map((x) => `${quoteLexeme(x)}:A`).join(' | ') }));
    const [linked, similar] = await Promise.all([repo.relatedBySourceOrEntities(ctx.db, ids), repo.titleCandidates(ctx.db, queries)]);
    const alike = similar.filter((c) => {
      const mine = tokens.get(c.of)!;
      const shared = [...titleTokens(c.title)].filter((t) => mine.has(t)).length;
      return shared >= MIN_SHARED && shared >= SIMILAR_SHARE * mine.size;
    });
    return ids.map((id) => {
      const rows = [...linked, ...alike].filter((r) => r.of === id);
      const byItem = new Map<string, { row: repo.RelationRow; reasons: Set<repo.RelationReason> }>();
      for (const r of rows) {
        const entry = byItem.get(r.id) ?? { row: r, reasons: new Set() };
        entry.reasons.add(r.reason);
        byItem.set(r.id, entry);
      }
      return [...byItem.values()]
        .sort((a, b) => b.row.publishedAt.getTime() - a.row.publishedAt.getTime() || a.row.position - b.row.position || (a.row.id < b.row.id ? -1 : 1))
        .slice(0, first)
        .map((e) => ({ id: e.row.id, reasons: (['SAME_SOURCE', 'SHARED_ENTITIES', 'SIMILAR_TEXT'] as const).filter((r) => e.reasons.has(r)) }));
    });
  });
  const related = await loader.load(item.id);
  const items = await ctx.loaders.itemById.loadMany(related.map((r) => r.id));
  return related.flatMap((r, i) => {
    const found = items[i];
    return found && !(found instanceof Error) ? [{ item: found, reasons: r.reasons }] : [];
  });
}
