import type { MutationResolvers, QueryResolvers, WebhookDeliveryResolvers, WebhookResolvers } from '../../generated/graphql';
import { requireScope } from '../auth/auth.service';
import type { GraphQLContext } from '../../graphql/context';
import { pendingBatches } from '../../delivery/batches';
import type { AnyWebhookPayload } from '../../delivery/payload';
import { describeSchedule } from './schedule';
import * as service from './webhooks.service';

const admin = (ctx: GraphQLContext, what: string) => requireScope(ctx.auth, 'admin', what);

export const webhookQueries: Pick<QueryResolvers, 'webhooks' | 'webhook'> = {
  webhooks: (_p, _a, ctx) => {
    admin(ctx, 'listing webhooks');
    return service.listWebhooks(ctx.db);
  },
  webhook: (_p, { id }, ctx) => {
    admin(ctx, 'reading a webhook');
    return service.webhookById(ctx.db, id);
  },
};

export const webhookMutations: Pick<MutationResolvers, 'createWebhook' | 'updateWebhook' | 'rotateWebhookSecret' | 'deleteWebhook' | 'redeliver'> = {
  createWebhook: (_p, { input }, ctx) => {
    admin(ctx, 'creating webhooks');
    return service.createWebhook(ctx.db, input, ctx.webhookPolicy);
  },
  updateWebhook: (_p, { id, input }, ctx) => {
    admin(ctx, 'changing webhooks');
    return service.updateWebhook(ctx.db, id, input, ctx.webhookPolicy);
  },
  rotateWebhookSecret: (_p, { id, overlapHours }, ctx) => {
    admin(ctx, 'rotating webhook secrets');
    return service.rotateSecret(ctx.db, id, overlapHours ?? 24);
  },
  deleteWebhook: (_p, { id }, ctx) => {
    admin(ctx, 'deleting webhooks');
    return service.deleteWebhook(ctx.db, id);
  },
  redeliver: (_p, { deliveryId }, ctx) => {
    admin(ctx, 'redelivering');
    return service.redeliver(ctx.db, deliveryId);
  },
};

export const Webhook: WebhookResolvers = {
  filter: (w) => w.filter as never,
  schedule: (w) => describeSchedule(w.schedule),
  pendingBatches: (w, _a, ctx) => pendingBatches(ctx.db, w.id),
  previousSecretValidUntil: (w) => (w.previousSecretUntil && w.previousSecretUntil > new Date() ? w.previousSecretUntil : null),
  deliveries: (w, { first }, ctx) => service.deliveriesOf(ctx.db, w.id, Math.min(Math.max(first ?? 20, 0), ctx.limits.maxPageSize)),
};

export const WebhookDelivery: WebhookDeliveryResolvers = {
  messageId: (d) => `msg_${d.id}`,
  eventId: (d) => `evt_${d.eventSeq}`,
  eventIds: (d) => {
    const p = d.payload as AnyWebhookPayload;
    return p.type === 'item.batch' ? p.data.events.map((e) => e.id) : [`evt_${d.eventSeq}`];
  },
  batch: (d) => {
    const p = d.payload as AnyWebhookPayload;
    if (p.type !== 'item.batch') return null;
    const { mode, window, part, parts } = p.data;
    return { mode, windowStart: new Date(window.start), windowEnd: new Date(window.end), part, parts };
  },
  nextAttemptAt: (d) => (d.status === 'PENDING' ? d.nextAttemptAt : null),
};
