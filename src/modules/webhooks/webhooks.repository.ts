import { desc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client';
import { webhookDeliveries, webhooks } from '../../db/tables';

export type WebhookRecord = typeof webhooks.$inferSelect;
export type DeliveryRecord = typeof webhookDeliveries.$inferSelect;
export type WebhookFormat = WebhookRecord['format'];
export type NewWebhook = Pick<typeof webhooks.$inferInsert, 'url' | 'format' | 'filter' | 'enabled' | 'schedule' | 'secret'>;
/** What an update may change; a field left out keeps its value. */
export type WebhookChanges = Partial<Pick<typeof webhooks.$inferInsert, 'url' | 'format' | 'filter' | 'enabled' | 'disabledReason' | 'schedule'>>;

export async function insertWebhook(db: Executor, row: NewWebhook): Promise<WebhookRecord> {
  const [webhook] = await db.insert(webhooks).values(row).returning();
  return webhook!;
}

/** The endpoint's row, locked until the transaction ends (changes that read it first). */
export async function webhookForUpdate(tx: Executor, id: string): Promise<WebhookRecord | null> {
  const [row] = await tx.select().from(webhooks).where(eq(webhooks.id, id)).for('update');
  return row ?? null;
}

export async function updateWebhookRow(db: Executor, id: string, changes: WebhookChanges): Promise<WebhookRecord | null> {
  const [row] = await db.update(webhooks).set(changes).where(eq(webhooks.id, id)).returning();
  return row ?? null;
}

/** A new secret; the current one moves beside it and keeps signing for `overlapSeconds`. */
export async function rotateSecretRow(db: Executor, id: string, secret: string, overlapSeconds: number): Promise<WebhookRecord | null> {
  const [row] = await db
    .update(webhooks)
    .set({ previousSecret: webhooks.secret, previousSecretUntil: sql`now() + make_interval(secs => ${overlapSeconds})`, secret })
    .where(eq(webhooks.id, id))
    .returning();
  return row ?? null;
}

export async function deleteWebhookRow(db: Executor, id: string): Promise<boolean> {
  const rows = await db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
  return rows.length > 0;
}

export const listWebhooks = (db: Executor): Promise<WebhookRecord[]> => db.select().from(webhooks).orderBy(desc(webhooks.createdAt));

export async function webhookById(db: Executor, id: string): Promise<WebhookRecord | null> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row ?? null;
}

export const webhooksByIds = (db: Executor, ids: string[]): Promise<WebhookRecord[]> => (ids.length ? db.select().from(webhooks).where(inArray(webhooks.id, ids)) : Promise.resolve([]));

export const enabledWebhooks = (db: Executor): Promise<WebhookRecord[]> => db.select().from(webhooks).where(eq(webhooks.enabled, true));

/** Turns an endpoint off, saying why (an admin re-enables it with updateWebhook). */
export async function disableWebhook(db: Executor, id: string, reason: string): Promise<void> {
  await db.update(webhooks).set({ enabled: false, disabledReason: reason }).where(eq(webhooks.id, id));
}

export const deliveriesOf = (db: Executor, webhookId: string, limit: number): Promise<DeliveryRecord[]> =>
  db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId)).orderBy(desc(webhookDeliveries.createdAt)).limit(limit);

/** Puts a delivery back at the start of the schedule, due now. */
export async function resetDelivery(db: Executor, id: string): Promise<DeliveryRecord | null> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ status: 'PENDING', attempts: 0, nextAttemptAt: sql`now()`, lastError: null })
    .where(eq(webhookDeliveries.id, id))
    .returning();
  return row ?? null;
}
