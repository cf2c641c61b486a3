import { parseArgs } from 'node:util';
import { loadEnv } from '../config/env';
import { ApiError, ErrorCode } from '../graphql/errors';
import { describeSchedule } from '../modules/webhooks/schedule';
import { createWebhook, deleteWebhook, listWebhooks, redeliver, rotateSecret, updateWebhook, type WebhookFormat, type WebhookInput, type WebhookRecord } from '../modules/webhooks/webhooks.service';
import { withDatabase } from './database';
import { printHelp } from './help';

function describeWebhook(w: WebhookRecord): string {
  const s = describeSchedule(w.schedule);
  const schedule = s.high === s.medium && s.medium === s.low ? s.high : `HIGH ${s.high}, MEDIUM ${s.medium}, LOW ${s.low}`;
  const daily = [s.high, s.medium, s.low].includes('DAILY') ? ` at ${String(s.dailyHourUtc).padStart(2, '0')}:00 UTC` : '';
  return `${w.id}  ${w.format.padEnd(7)}  ${w.enabled ? 'enabled ' : 'disabled'}  ${w.url}  filter ${JSON.stringify(w.filter)}  ${schedule}${daily}${w.disabledReason ? `  (${w.disabledReason})` : ''}`;
}

/** `digestql webhooks create|update|list|rotate|delete|redeliver`, in the configured database. */
export async function webhooksCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      url: { type: 'string' },
      format: { type: 'string' },
      filter: { type: 'string' },
      schedule: { type: 'string' },
      enable: { type: 'boolean' },
      disable: { type: 'boolean' },
      'overlap-hours': { type: 'string' },
    },
    allowPositionals: true,
  });
  const [action, target] = positionals;
  const usage = (why: string): number => {
    process.stderr.write(`digestql webhooks: ${why}\n\n`);
    printHelp('webhooks');
    return 2;
  };
  if (!action || !['create', 'update', 'list', 'rotate', 'delete', 'redeliver'].includes(action)) return usage('say create, update, list, rotate, delete or redeliver');
  if (action === 'create' && (!values.url || !values.format)) return usage('create needs --url and --format');
  if (['update', 'rotate', 'delete', 'redeliver'].includes(action) && !target) return usage(`${action} needs an id`);
  if (values.enable && values.disable) return usage('say --enable or --disable, not both');
  const json = (name: 'filter' | 'schedule'): Record<string, unknown> | undefined | Error => {
    try {
      return values[name] ? (JSON.parse(values[name]) as Record<string, unknown>) : undefined;
    } catch (err) {
      return new Error(`--${name} is not valid JSON: ${(err as Error).message}`);
    }
  };
  const filter = json('filter');
  const schedule = json('schedule');
  for (const bad of [filter, schedule]) {
    if (bad instanceof Error) {
      process.stderr.write(`digestql webhooks: ${bad.message}\n`);
      return 1;
    }
  }
  const env = loadEnv();
  const policy = { allow: env.WEBHOOK_ALLOW_HOSTS };
  return withDatabase('webhooks', env, async (database) => {
    if (action === 'create') {
      const format = values.format!.toUpperCase() as WebhookFormat;
      const { webhook, secret } = await createWebhook(database.db, { url: values.url!, format, filter: filter as WebhookInput['filter'], schedule: schedule as WebhookInput['schedule'] }, policy);
      process.stdout.write(`created webhook ${webhook.id} (${webhook.format} → ${webhook.url})\nthe signing secret is shown this once; store it now:\n${secret}\n`);
    } else if (action === 'update') {
      const w = await updateWebhook(
        database.db,
        target!,
        {
          ...(values.url ? { url: values.url } : {}),
          ...(values.format ? { format: values.format.toUpperCase() as WebhookFormat } : {}),
          ...(filter ? { filter: filter as WebhookInput['filter'] } : {}),
          ...(schedule ? { schedule: schedule as WebhookInput['schedule'] } : {}),
          ...(values.enable || values.disable ? { enabled: !!values.enable } : {}),
        },
        policy,
      );
      process.stdout.write(`updated webhook ${w.id}\n${describeWebhook(w)}\n`);
    } else if (action === 'list') {
      const rows = await listWebhooks(database.db);
      if (rows.length === 0) process.stdout.write('no webhooks\n');
      for (const w of rows) process.stdout.write(`${describeWebhook(w)}\n`);
    } else if (action === 'rotate') {
      const { webhook, secret } = await rotateSecret(database.db, target!, Number(values['overlap-hours'] ?? 24));
      process.stdout.write(`rotated webhook ${webhook.id}; the old secret signs too until ${webhook.previousSecretUntil?.toISOString()}\n${secret}\n`);
    } else if (action === 'delete') {
      if (!(await deleteWebhook(database.db, target!))) throw new ApiError(ErrorCode.NOT_FOUND, `no webhook with id "${target}"`);
      process.stdout.write(`deleted webhook ${target}\n`);
    } else {
      const d = await redeliver(database.db, target!);
      process.stdout.write(`delivery ${d.id} will be sent again\n`);
    }
  });
}
