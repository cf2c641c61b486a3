import type { WebhookSchedule } from '../../db/tables';
import { badUserInput } from '../../server/errors';

/**
 * When an endpoint gets items of each importance: at once (IMMEDIATE), or batched into one
 * message per window: HOURLY (the clock hour, UTC) or DAILY (the 24 hours up to `dailyHourUtc`:00
 * UTC). Unrated items (digests without importance) follow LOW. Pure: no IO.
 */
export type DeliveryMode = 'IMMEDIATE' | 'HOURLY' | 'DAILY';
export type BatchMode = Exclude<DeliveryMode, 'IMMEDIATE'>;

/** The GraphQL input (`WebhookScheduleInput`); a field left out keeps its current value. */
export interface ScheduleInput {
  high?: DeliveryMode | null;
  medium?: DeliveryMode | null;
  low?: DeliveryMode | null;
  dailyHourUtc?: number | null;
}

const MODES: readonly DeliveryMode[] = ['IMMEDIATE', 'HOURLY', 'DAILY'];
const FIELDS: readonly string[] = ['high', 'medium', 'low', 'dailyHourUtc'];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** `input` applied over `current`, checked; errors name the field (`${at}.medium`, …). */
export function mergeSchedule(current: WebhookSchedule, input: ScheduleInput | null | undefined, at: string): WebhookSchedule {
  if (!input) return current;
  if (typeof input !== 'object' || Array.isArray(input)) throw badUserInput(at, 'must be an object like {"medium":"HOURLY","low":"DAILY","dailyHourUtc":8}');
  const unknown = Object.keys(input).filter((k) => !FIELDS.includes(k));
  if (unknown.length) throw badUserInput(`${at}.${unknown[0]}`, `unknown field "${unknown[0]}" (high, medium, low, dailyHourUtc)`);
  const out: WebhookSchedule = { ...current };
  for (const [field, key] of [['high', 'HIGH'], ['medium', 'MEDIUM'], ['low', 'LOW']] as const) {
    const mode = input[field];
    if (mode === undefined) continue;
    if (mode === null || mode === 'IMMEDIATE') delete out[key];
    else if (MODES.includes(mode)) out[key] = mode;
    else throw badUserInput(`${at}.${field}`, `unknown delivery mode ${String(mode)} (IMMEDIATE, HOURLY or DAILY)`);
  }
  if (input.dailyHourUtc !== undefined) {
    const h = input.dailyHourUtc;
    if (h === null || h === 0) delete out.dailyHourUtc;
    else if (Number.isInteger(h) && h >= 0 && h <= 23) out.dailyHourUtc = h;
    else throw badUserInput(`${at}.dailyHourUtc`, `must be a whole hour from 0 to 23, got ${h}`);
  }
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
