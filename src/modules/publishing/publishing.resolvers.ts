import type { MutationResolvers, PublishResultResolvers } from '../../generated/graphql';
import * as publishing from './publishing.api';

export const publishingMutations: MutationResolvers = {
  publishReport: (_p, { input }, ctx) => publishing.publishStructured(ctx, input),
  publishMarkdown: (_p, { markdown, slug }, ctx) => publishing.publishMarkdown(ctx, markdown, slug ?? null),
};

export const PublishResult: PublishResultResolvers = {
  report: (r, _a, ctx) => (r.draft ? null : ctx.loaders.reportById.load(r.reportId)),
};
