import type { ItemEventResolvers, SubscriptionResolvers } from '../generated/graphql';
import type { GraphQLContext } from '../graphql/context';
import type { EventRecord } from '../modules/events/events.repository';
import type { ItemRecord } from '../modules/items/items.repository';
import { withdrawnReport } from '../modules/reports/withdrawn-report';
import { itemEvents, reportEvents } from './realtime.service';

const TYPE = { ITEM_PUBLISHED: 'PUBLISHED', ITEM_UPDATED: 'UPDATED', ITEM_REMOVED: 'REMOVED' } as const;
const IMPORTANCE = [null, 'LOW', 'MEDIUM', 'HIGH'] as const;
const NO_SECTION = '00000000-0000-0000-0000-000000000000';

/** The last public state of an item that is gone, from what its event recorded. */
function removedItem(e: EventRecord): ItemRecord {
  const f = e.facts;
  const rank = f.importanceRank ?? 0;
  return {
    id: e.itemId!,
    reportId: e.reportId!, // item events always name their report
    sectionId: f.sectionId ?? NO_SECTION,
    sectionKey: f.sectionKey ?? '',
    publishedAt: new Date(f.publishedAt),
    draft: false,
    position: f.position ?? 0,
    title: f.title,
    summary: null,
    details: null,
    applications: null,
    body: null,
    importance: IMPORTANCE[rank] ?? null,
    importanceRank: rank,
    extra: [],
    contentHash: '',
    createdAt: e.createdAt,
    updatedAt: e.createdAt,
    removed: { tagKeys: f.tagKeys ?? [], entityKeys: f.entityKeys ?? [], reportSlug: f.reportSlug },
  };
}

export const Subscription: SubscriptionResolvers = {
  itemPublished: {
    subscribe: (_p, args, ctx) => itemEvents(ctx, args),
    resolve: (event: EventRecord) => event,
  },
  reportPublished: {
    subscribe: (_p, _a, ctx) => reportEvents(ctx),
    // The report as it is public now; taken back to draft since, only what the event announced.
    resolve: async (event: EventRecord, _a: unknown, ctx: GraphQLContext) =>
      (await ctx.loaders.reportById.load(event.reportId!)) ?? withdrawnReport(event.reportId!, event.facts), // report events name theirs
  },
};

export const ItemEvent: ItemEventResolvers = {
  cursor: (e, _a, ctx) => ctx.realtime.hub.cursors.encode(e),
  type: (e) => TYPE[e.type as keyof typeof TYPE],
  item: async (e, _a, ctx) => {
    // A replayed event shows the item as it is now; one that is gone shows its last public state.
    const current = e.type === 'ITEM_REMOVED' ? null : await ctx.loaders.itemById.load(e.itemId!);
    return current ?? removedItem(e);
  },
};
