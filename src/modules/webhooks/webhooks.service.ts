import { z } from 'zod';
import type { Executor } from '../../db/client';
import { ApiError, ErrorCode, badUserInput } from '../../graphql/errors';
import { parseInput, strictInput } from '../../graphql/input';
import { itemFilterSchema, normaliseItemFilter, type ItemFilterInput } from '../items/item-filter';
import { newSecret } from '../../delivery/signing';
import { checkWebhookUrl, type SsrfPolicy } from '../../delivery/ssrf';
import { mergeSchedule, scheduleInputSchema } from './schedule';
import * as repo from './webhooks.repository';
import type { DeliveryRecord, WebhookRecord } from './webhooks.repository';

/** Webhook endpoints as admins manage them (GraphQL and the CLI): checked input, then the repository. */
export type { DeliveryRecord, WebhookFormat, WebhookRecord } from './webhooks.repository';
export { outboxStats } from '../../delivery/outbox.repository';

const notFound = (what: string, id: string, argument = 'id') => new ApiError(ErrorCode.NOT_FOUND, `${argument}: no ${what} with id "${id}"`, { argument });
const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
/** An id to look up: a client's non-UUID matches nothing (instead of a Postgres cast error). */
const lookupId = (s: string) => (isUuid(s) ? s : '00000000-0000-0000-0000-000000000000');

const webhookFields = {
  url: z.string().max(2048, 'at most 2048 characters'),
  format: z.enum(['JSON', 'SLACK', 'DISCORD'], { error: (iss) => `unknown format ${String(iss.input)} (JSON, SLACK or DISCORD)` }),
  filter: itemFilterSchema.nullish(),
  enabled: z.boolean().nullish(),
  /** Immediate or HOURLY/DAILY batches per importance (default: everything immediate). */
  schedule: scheduleInputSchema.nullish(),
};
const LIKE = '{"url":"https://…","format":"JSON"}';
/** `WebhookInput` (GraphQL, or the CLI's flags), checked and copied into plain data. */
export const webhookInputSchema = strictInput(webhookFields, LIKE);
/** `WebhookUpdateInput`: each field left out keeps its value. */
export const webhookUpdateSchema = strictInput(
  { ...webhookFields, url: webhookFields.url.nullish(), format: webhookFields.format.nullish() },
  LIKE,
);
export type WebhookInput = z.input<typeof webhookInputSchema>;
export type WebhookUpdate = z.input<typeof webhookUpdateSchema>;

/** A filter is stored only if it means something, checked as `items` checks one (its `query` parsed too). */
const checkFilter = (filter: ItemFilterInput | null | undefined): void => void normaliseItemFilter(filter, 'input.filter');

export async function createWebhook(db: Executor, given: WebhookInput, policy: SsrfPolicy): Promise<{ webhook: WebhookRecord; secret: string }> {
  // What is checked without the network first; the URL's check resolves its host.
  const input = parseInput(webhookInputSchema, given, 'input');
  checkFilter(input.filter);
  await checkWebhookUrl(input.url, policy, 'input.url');
  const secret = newSecret();
  const webhook = await repo.insertWebhook(db, { url: input.url, format: input.format, filter: input.filter ?? {}, enabled: input.enabled ?? true, schedule: mergeSchedule({}, input.schedule), secret });
  return { webhook, secret };
}

export async function updateWebhook(db: Executor, id: string, given: WebhookUpdate, policy: SsrfPolicy): Promise<WebhookRecord> {
  const input = parseInput(webhookUpdateSchema, given, 'input');
  checkFilter(input.filter);
  if (input.url != null) await checkWebhookUrl(input.url, policy, 'input.url');
  const key = lookupId(id);
  return db.transaction(async (tx) => {
    // A schedule changes field by field: read and write it under the row's lock.
    const current = await repo.webhookForUpdate(tx, key);
    if (!current) throw notFound('webhook', id);
    const row = await repo.updateWebhookRow(tx, key, {
      ...(input.schedule ? { schedule: mergeSchedule(current.schedule, input.schedule) } : {}),
      ...(input.url != null ? { url: input.url } : {}),
      ...(input.format != null ? { format: input.format } : {}),
      ...(input.filter !== undefined ? { filter: input.filter ?? {} } : {}),
      ...(input.enabled != null ? { enabled: input.enabled, disabledReason: null } : {}),
    });
    return row!;
  });
}

/** A new secret; the old one keeps signing (beside it) for `overlapHours`. */
export async function rotateSecret(db: Executor, id: string, overlapHours: number): Promise<{ webhook: WebhookRecord; secret: string }> {
  if (!(overlapHours >= 0 && overlapHours <= 720)) throw badUserInput('overlapHours', 'must be between 0 and 720');
  const secret = newSecret();
  const row = await repo.rotateSecretRow(db, lookupId(id), secret, overlapHours * 3600);
  if (!row) throw notFound('webhook', id);
  return { webhook: row, secret };
}

export async function deleteWebhook(db: Executor, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return repo.deleteWebhookRow(db, id);
}

export const listWebhooks = repo.listWebhooks;

export async function webhookById(db: Executor, id: string): Promise<WebhookRecord | null> {
  if (!isUuid(id)) return null;
  return repo.webhookById(db, id);
}

export const deliveriesOf = repo.deliveriesOf;

/** Sends a delivery again from the start of the schedule (a DEAD one, or a SUCCEEDED one on request). */
export async function redeliver(db: Executor, deliveryId: string): Promise<DeliveryRecord> {
  const row = await repo.resetDelivery(db, lookupId(deliveryId));
  if (!row) throw notFound('delivery', deliveryId, 'deliveryId');
  return row;
}
