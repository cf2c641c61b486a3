import type { WebhookSchedule } from '../../db/tables';
import { z } from 'zod';
import { strictInput } from '../../graphql/input';

/**
 * When an endpoint gets items of each importance: at once (IMMEDIATE), or batched into one
 * message per window: HOURLY (the clock hour, UTC) or DAILY (the 24 hours up to `dailyHourUtc`:00
 * UTC). Unrated items (digests without importance) follow LOW. Pure: no IO.
 */
export type DeliveryMode = 'IMMEDIATE' | 'HOURLY' | 'DAILY';
export type BatchMode = Exclude<DeliveryMode, 'IMMEDIATE'>;

const MODES = ['IMMEDIATE', 'HOURLY', 'DAILY'] as const;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const mode = z
  .enum(MODES, { error: (iss) => `unknown delivery mode ${String(iss.input)} (IMMEDIATE, HOURLY or DAILY)` })
  .nullish();

const hourError = (iss: { input?: unknown }) => `must be a whole hour from 0 to 23, got ${String(iss.input)}`;

/** The GraphQL input (`WebhookScheduleInput`), checked; a field left out keeps its current value. */
export const scheduleInputSchema = strictInput(
  {
    high: mode,
    medium: mode,
    low: mode,
    dailyHourUtc: z
      .number({ error: hourError })
      .refine((h) => Number.isInteger(h) && h >= 0 && h <= 23, { error: hourError })
      .nullish(),
  },
  '{"medium":"HOURLY","low":"DAILY","dailyHourUtc":8}',
);
export type ScheduleInput = z.output<typeof scheduleInputSchema>;

/** Checked `input` applied over `current`. */
export function mergeSchedule(current: WebhookSchedule, input: ScheduleInput | null | undefined): WebhookSchedule {
  if (!input) return current;
  const out: WebhookSchedule = { ...current };
  for (const [field, key] of [['high', 'HIGH'], ['medium', 'MEDIUM'], ['low', 'LOW']] as const) {
    const mode = input[field];
    if (mode === undefined) continue;
    if (mode === null || mode === 'IMMEDIATE') delete out[key];
    else out[key] = mode;
  }
  const h = input.dailyHourUtc;
  if (h === null || h === 0) delete out.dailyHourUtc;
  else if (h !== undefined) out.dailyHourUtc = h;
  return out;
}

const IMPORTANCE_BY_RANK = [null, 'LOW', 'MEDIUM', 'HIGH'] as const;

/** The mode for an item of importance rank 3 (HIGH), 2, 1 or none (unrated: LOW's). */
export function modeFor(schedule: WebhookSchedule, importanceRank: number | null | undefined): DeliveryMode {
  const importance = IMPORTANCE_BY_RANK[importanceRank ?? 0] ?? 'LOW';
  return schedule[importance] ?? 'IMMEDIATE';
}

/** The batch window an event published at `at` falls in: [start, end), sent at `end`. */
export function windowOf(mode: BatchMode, at: Date, dailyHourUtc = 0): { start: Date; end: Date } {
  const t = at.getTime();
  if (mode === 'HOURLY') {
    const start = Math.floor(t / HOUR_MS) * HOUR_MS;
    return { start: new Date(start), end: new Date(start + HOUR_MS) };
  }
  const offset = dailyHourUtc * HOUR_MS;
  const start = Math.floor((t - offset) / DAY_MS) * DAY_MS + offset;
  return { start: new Date(start), end: new Date(start + DAY_MS) };
}

/** The schedule as GraphQL shows it (every importance spelled out). */
export function describeSchedule(s: WebhookSchedule): { high: DeliveryMode; medium: DeliveryMode; low: DeliveryMode; dailyHourUtc: number } {
  return { high: s.HIGH ?? 'IMMEDIATE', medium: s.MEDIUM ?? 'IMMEDIATE', low: s.LOW ?? 'IMMEDIATE', dailyHourUtc: s.dailyHourUtc ?? 0 };
}
