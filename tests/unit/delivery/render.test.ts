import type { Report } from '../../../src/ingest';
import type { WebhookPayload } from '../../../src/delivery/payload';
import { DISCORD, JSON_BATCH_MAX, SLACK, batchGroups, cut, discordMessages, slackMessages } from '../../../src/delivery/render';
import { corpusAvailable } from '../../support/corpus';
import { exampleReport, seedReport } from '../../support/fixtures';

type Item = WebhookPayload['data']['item'];

const toItems = (r: Report): Item[] =>
  r.sections.flatMap((s) =>
    s.items.map((i, n) => ({
      id: `${r.slug}-${s.key}-${n}`,
      title: i.title,
      summary: i.summary ?? i.body,
      details: i.details,
      applications: i.applications,
      importance: i.importance,
      tags: i.tags,
      publishedAt: '2026-11-20T00:00:00.000Z',
      report: { slug: r.slug, title: r.title, date: '2026-11-20' },
      section: { key: s.key, title: s.title },
      entities: i.entities,
      sources: i.sources.map((x) => ({ label: x.label, url: x.url, kind: x.kind, domain: x.domain })),
    })),
  );

const lengthOf = (x: { summary: string | null; details: string | null; title: string }) => x.title.length + (x.summary ?? '').length + (x.details ?? '').length;
const real = toItems(corpusAvailable ? seedReport() : exampleReport('2026-11-20-ai-intel'));
const longestReal = [...real].sort((a, b) => lengthOf(b) - lengthOf(a))[0]!;
// Past every limit, with an emoji (a surrogate pair) where a naive cut would split it.
const extreme: Item = {
  ...longestReal,
  title: 'T'.repeat(149) + '😀' + '長'.repeat(300),
  summary: 'word '.repeat(500) + 'x'.repeat(2999 - 2500) + '😀' + '摘要'.repeat(3000),
  entities: Array.from({ length: 200 }, (_, i) => ({ name: `Entity number ${i}`, key: `entity number ${i}` })),
  sources: Array.from({ length: 120 }, (_, i) => ({ label: `A long source label ${i} `.repeat(3), url: `https://example.com/${i}/${'p'.repeat(40)}`, kind: 'WEB', domain: 'example.com' })),
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const texts = (x: unknown): string[] => (typeof x === 'string' ? [x] : Array.isArray(x) ? x.flatMap(texts) : x && typeof x === 'object' ? Object.values(x).flatMap(texts) : []);

describe('Slack and Discord messages stay within every platform limit', () => {
  it.each([
    ['the longest real item', longestReal],
    ['an item past every limit', extreme],
  ])('Slack: %s', (_name, item) => {
    for (const m of slackMessages([item], 'https://digest.example/{slug}#{id}')) {
      expect(m.blocks.length).toBeLessThanOrEqual(SLACK.blocks);
      for (const b of m.blocks as { type: string; text?: { text: string }; elements?: { text: string }[] }[]) {
        if (b.type === 'header') expect(b.text!.text.length).toBeLessThanOrEqual(SLACK.header);
        if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(SLACK.section);
        for (const e of b.elements ?? []) expect(e.text.length).toBeLessThanOrEqual(SLACK.section);
      }
      expect(m.text.length).toBeLessThanOrEqual(SLACK.section);
      expect(texts(m).some((t) => LONE_SURROGATE.test(t))).toBe(false);
    }
    const [first] = slackMessages([item], 'https://digest.example/{slug}#{id}');
    expect(JSON.stringify(first)).toContain(`https://digest.example/${item.report.slug}#${encodeURIComponent(item.id)}`);
    expect(JSON.stringify(first)).toContain(item.importance ?? 'unrated');
  });

  it.each([
    ['the longest real item', longestReal],
    ['an item past every limit', extreme],
  ])('Discord: %s', (_name, item) => {
    for (const m of discordMessages([item], null)) {
      expect(m.embeds.length).toBeLessThanOrEqual(DISCORD.embeds);
      let total = 0;
      for (const e of m.embeds as { title: string; description: string; color: number; fields: { name: string; value: string }[] }[]) {
        expect(e.title.length).toBeLessThanOrEqual(DISCORD.title);
        expect(e.description.length).toBeLessThanOrEqual(DISCORD.description);
        expect(e.fields.length).toBeLessThanOrEqual(DISCORD.fields);
        for (const f of e.fields) {
          expect(f.name.length).toBeLessThanOrEqual(DISCORD.fieldName);
          expect(f.value.length).toBeLessThanOrEqual(DISCORD.fieldValue);
        }
        total += e.title.length + e.description.length + e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
      }
      expect(total).toBeLessThanOrEqual(DISCORD.total);
      expect(texts(m).some((t) => LONE_SURROGATE.test(t))).toBe(false);
    }
  });

  it('colours Discord embeds by importance and splits a batch across messages without losing an item', () => {
    const batch: Item[] = Array.from({ length: 30 }, (_, i) => ({ ...extreme, id: `i${i}`, title: `Item ${i}`, importance: ['HIGH', 'MEDIUM', 'LOW'][i % 3]! }));
    const discord = discordMessages(batch, null);
    expect(discord.length).toBeGreaterThan(1);
    const embeds = discord.flatMap((m) => m.embeds as { title: string; color: number }[]);
    expect(embeds.map((e) => e.title)).toEqual(batch.map((b) => b.title));
    expect(embeds.slice(0, 3).map((e) => e.color)).toEqual([0xe53935, 0xffb300, 0x9e9e9e]);
    const slack = slackMessages(batch, null);
    expect(slack.length).toBeGreaterThan(1);
    expect(slack.flatMap((m) => (m.blocks as { type: string; text?: { text: string } }[]).filter((b) => b.type === 'header').map((b) => b.text!.text))).toEqual(batch.map((b) => b.title));
  });

  it.each(['SLACK', 'DISCORD', 'JSON'] as const)('cuts a %s batch into groups that each render as one message with its heading, every item once', (format) => {
    const batch: Item[] = Array.from({ length: 250 }, (_, i) => ({ ...(i % 7 ? longestReal : extreme), id: `i${i}`, title: `Item ${i}` }));
    const groups = batchGroups(format, batch, 'https://digest.example/{slug}#{id}');
    expect(groups.flat().map((i) => i.id)).toEqual(batch.map((i) => i.id));
    const heading = `Daily digest · 2026-11-20 08:00 – 2026-11-21 08:00 UTC · 250 items · part 12 of 40`;
    for (const g of groups) {
      if (format === 'JSON') {
        expect(g.length).toBeLessThanOrEqual(JSON_BATCH_MAX);
        continue;
      }
      const messages = format === 'SLACK' ? slackMessages(g, 'https://digest.example/{slug}#{id}', heading) : discordMessages(g, 'https://digest.example/{slug}#{id}', heading);
      expect(messages).toHaveLength(1);
      if (format === 'SLACK') {
        const m = messages[0] as { blocks: { type: string }[] };
        expect(m.blocks.length).toBeLessThanOrEqual(SLACK.blocks);
        expect(m.blocks[0]!.type).toBe('context');
      } else {
        const m = messages[0] as { content: string; embeds: { title: string; description: string; fields: { name: string; value: string }[] }[] };
        expect(m.content).toBe(heading);
        expect(m.embeds.length).toBeLessThanOrEqual(DISCORD.embeds);
        const size = m.embeds.reduce((n, e) => n + e.title.length + e.description.length + e.fields.reduce((k, f) => k + f.name.length + f.value.length, 0), 0);
        expect(size).toBeLessThanOrEqual(DISCORD.total);
      }
    }
  });

  it('cuts at a word boundary when one is near, else at a character, never inside a surrogate pair', () => {
    expect(cut('the quick brown fox jumps', 12)).toBe('the quick…');
    expect(cut('abcdefghijklmnop', 6)).toBe('abcde…');
    expect(cut('ab😀cd', 4)).toBe('ab…');
    expect(cut('short', 10)).toBe('short');
  });
});
