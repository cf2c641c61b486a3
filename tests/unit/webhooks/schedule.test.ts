import { collapse } from '../../../src/delivery/batches';
import type { WebhookBatchPayload, WebhookPayload } from '../../../src/delivery/payload';
import { describeSchedule, mergeSchedule, modeFor, scheduleInputSchema, windowOf } from '../../../src/modules/webhooks/schedule';
import { parseInput } from '../../../src/graphql/input';
import { batchHeading } from '../../../src/delivery/render';

const at = (iso: string) => new Date(iso);
const iso = (w: { start: Date; end: Date }) => [w.start.toISOString(), w.end.toISOString()];

describe('delivery schedules', () => {
  it('puts an event in the clock hour it was published in, sent when the hour ends', () => {
    expect(iso(windowOf('HOURLY', at('2026-11-29T05:59:59.999Z')))).toEqual(['2026-11-29T05:00:00.000Z', '2026-11-29T06:00:00.000Z']);
    // On the boundary: the new hour's window, not the one just sent.
    expect(iso(windowOf('HOURLY', at('2026-11-29T06:00:00.000Z')))).toEqual(['2026-11-29T06:00:00.000Z', '2026-11-29T07:00:00.000Z']);
  });

  it('puts an event in the 24 hours up to the next dailyHourUtc:00', () => {
    expect(iso(windowOf('DAILY', at('2026-11-29T05:00:00Z')))).toEqual(['2026-11-29T00:00:00.000Z', '2026-11-30T00:00:00.000Z']);
    expect(iso(windowOf('DAILY', at('2026-11-29T07:59:59Z'), 8))).toEqual(['2026-11-28T08:00:00.000Z', '2026-11-29T08:00:00.000Z']);
    expect(iso(windowOf('DAILY', at('2026-11-29T08:00:00Z'), 8))).toEqual(['2026-11-29T08:00:00.000Z', '2026-11-30T08:00:00.000Z']);
    expect(iso(windowOf('DAILY', at('2026-12-31T23:30:00Z'), 23))).toEqual(['2026-12-31T23:00:00.000Z', '2027-01-01T23:00:00.000Z']);
  });

  it('picks the mode by importance; unrated items follow LOW; unset is IMMEDIATE', () => {
    const s = { MEDIUM: 'HOURLY', LOW: 'DAILY' } as const;
    expect([3, 2, 1, 0, null].map((rank) => modeFor(s, rank))).toEqual(['IMMEDIATE', 'HOURLY', 'DAILY', 'DAILY', 'DAILY']);
    expect(modeFor({}, 3)).toBe('IMMEDIATE');
  });

  it('applies an input field by field, and names the field it refuses', () => {
    const s = mergeSchedule({}, { medium: 'HOURLY', low: 'DAILY', dailyHourUtc: 8 });
    expect(describeSchedule(s)).toEqual({ high: 'IMMEDIATE', medium: 'HOURLY', low: 'DAILY', dailyHourUtc: 8 });
    expect(describeSchedule(mergeSchedule(s, { low: 'IMMEDIATE' }))).toEqual({ high: 'IMMEDIATE', medium: 'HOURLY', low: 'IMMEDIATE', dailyHourUtc: 8 });
    expect(mergeSchedule(s, null)).toBe(s);
    const refusal = (input: unknown) => {
      try {
        parseInput(scheduleInputSchema, input, 'input.schedule');
      } catch (err) {
        return [(err as { extensions: { argument: string } }).extensions.argument, (err as Error).message];
      }
      return null;
    };
    expect(refusal({ dailyHourUtc: 24 })).toEqual(['input.schedule.dailyHourUtc', 'input.schedule.dailyHourUtc: must be a whole hour from 0 to 23, got 24']);
    expect(refusal({ dailyHourUtc: 1.5 })?.[0]).toBe('input.schedule.dailyHourUtc');
    expect(refusal({ medium: 'WEEKLY' })).toEqual(['input.schedule.medium', 'input.schedule.medium: unknown delivery mode WEEKLY (IMMEDIATE, HOURLY or DAILY)']);
    expect(refusal({ MEDIUM: 'HOURLY' })).toEqual(['input.schedule.MEDIUM', 'input.schedule.MEDIUM: unknown field "MEDIUM" (high, medium, low, dailyHourUtc)']);
    expect(refusal(['HOURLY'])?.[0]).toBe('input.schedule');
  });
});

const event = (seq: number, type: WebhookPayload['type'], itemId: string, summary = 's'): { seq: number; payload: WebhookPayload } => ({
  seq,
  payload: {
    type,
    id: `evt_${seq}`,
    createdAt: '2026-11-29T05:00:00.000Z',
    version: 1,
    data: { item: { id: itemId, title: itemId, summary, details: null, applications: null, importance: 'LOW', tags: [], publishedAt: '2026-11-29T05:00:00.000Z', report: { slug: 'r', title: 'R', date: '2026-11-29' }, section: { key: 'k', title: null }, entities: [], sources: [] } },
  },
});

describe('a window collapsed to what the receiver should see', () => {
  it('keeps one entry per item, in its latest state, in the order items first appeared', () => {
    const out = collapse([event(5, 'item.updated', 'b', 'b2'), event(1, 'item.published', 'a'), event(2, 'item.updated', 'b', 'b1'), event(3, 'item.updated', 'a', 'a2'), event(4, 'item.published', 'c'), event(6, 'item.removed', 'c'), event(7, 'item.removed', 'd')]);
    expect(out.map((e) => [e.seq, e.payload.type, e.payload.data.item.id, e.payload.data.item.summary])).toEqual([
      // Published and then changed in the window: new to the receiver, so published, as it is now.
      [3, 'item.published', 'a', 'a2'],
      // Known before the window: its last change.
      [5, 'item.updated', 'b', 'b2'],
      // c was published and removed in the window: nothing to say. d was known: its removal stands.
      [7, 'item.removed', 'd', 's'],
    ]);
  });
});

describe('a batch message heading', () => {
  const batch = (mode: 'HOURLY' | 'DAILY', start: string, end: string, n: number, part = 1, parts = 1): WebhookBatchPayload => ({
    type: 'item.batch',
    id: 'batch_1_2',
    createdAt: end,
    version: 1,
    data: { mode, window: { start, end }, part, parts, events: Array.from({ length: n }, (_, i) => event(i, 'item.published', `i${i}`).payload) },
  });
  it('says the window, the count and the part', () => {
    expect(batchHeading(batch('HOURLY', '2026-11-29T05:00:00.000Z', '2026-11-29T06:00:00.000Z', 1))).toBe('Hourly digest · 2026-11-29 05:00–06:00 UTC · 1 item');
    expect(batchHeading(batch('DAILY', '2026-11-28T08:00:00.000Z', '2026-11-29T08:00:00.000Z', 31, 2, 3))).toBe('Daily digest · 2026-11-28 08:00 – 2026-11-29 08:00 UTC · 31 items · part 2 of 3');
  });
});
