import type { AnyWebhookPayload, WebhookBatchPayload, WebhookPayload } from './payload';

/**
 * Slack (Block Kit) and Discord (embeds) messages for webhook items, within every limit the two
 * platforms set. Text is cut at a word boundary when one is near (else at a character boundary,
 * never inside a surrogate pair) and ends with an ellipsis. A batch of items becomes as many
 * messages as the limits require.
 */
type Item = WebhookPayload['data']['item'];

export const SLACK = { header: 150, section: 3000, blocks: 50 } as const;
export const DISCORD = { title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, embeds: 10, total: 6000, content: 2000 } as const;

/** `text` in at most `max` UTF-16 units (what both platforms count, conservatively). */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Never split a surrogate pair (an emoji, a rare CJK character).
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end--;
  const space = text.lastIndexOf(' ', end);
  if (space > end * 0.8) end = space;
  return text.slice(0, end).trimEnd() + '…';
}

const IMPORTANCE_MARK: Record<string, string> = { HIGH: '🔴 HIGH', MEDIUM: '🟠 MEDIUM', LOW: '⚪ LOW' };
const COLOUR: Record<string, number> = { HIGH: 0xe53935, MEDIUM: 0xffb300, LOW: 0x9e9e9e };
const mark = (i: Item) => IMPORTANCE_MARK[i.importance ?? ''] ?? 'unrated';

/** Where an item is read: the configured template (`{slug}`, `{id}`), else its first source. */
export function itemLink(item: Pick<Item, 'id'> & { report: Pick<Item['report'], 'slug'>; sources: readonly { url: string | null }[] }, template: string | null): string | null {
  if (template) return template.replaceAll('{slug}', encodeURIComponent(item.report.slug)).replaceAll('{id}', encodeURIComponent(item.id));
  return item.sources.find((s) => s.url && /^https?:/.test(s.url))?.url ?? null;
}

const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Whole entries joined while they fit in `max` (a cut link would break the markup), then "and N more". */
function fitList(entries: string[], sep: string, max: number): string {
  let out = '';
  for (let i = 0; i < entries.length; i++) {
    const next = out ? out + sep + entries[i] : entries[i]!;
    const more = `${sep}and ${entries.length - i - 1} more`;
    if (next.length + (i < entries.length - 1 ? more.length : 0) > max) return out ? `${out}${sep}and ${entries.length - i} more` : cut(entries[i]!, max);
    out = next;
  }
  return out;
}

function slackBlocks(item: Item, link: string | null): unknown[] {
  const links = item.sources.filter((s) => s.url && /^https?:/.test(s.url)).map((s) => `<${s.url}|${slackEscape(cut(s.label.replace(/[|>]/g, ' ').trim(), 200))}>`);
  return [
    { type: 'header', text: { type: 'plain_text', text: cut(item.title, SLACK.header), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(slackEscape(item.summary || item.title), SLACK.section) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: cut(`${mark(item)} · ${slackEscape(item.section.title ?? item.section.key)} · ${item.report.slug}`, SLACK.section) }] },
    ...(links.length ? [{ type: 'section', text: { type: 'mrkdwn', text: `Sources: ${fitList(links, ' · ', SLACK.section - 9)}` } }] : []),
    ...(link ? [{ type: 'section', text: { type: 'mrkdwn', text: `<${link}|Read in the digest>` } }] : []),
    { type: 'divider' },
  ];
}

/**
 * Whole items packed into messages in order: a new message starts when the next item's part does
 * not fit beside what the current one holds. `parts` are what each message is built from.
 */
function pack<P>(items: Item[], part: (item: Item) => P, fits: (held: P[], next: P) => boolean): { items: Item[]; parts: P[] }[] {
  const out: { items: Item[]; parts: P[] }[] = [];
  for (const item of items) {
    const p = part(item);
    const last = out[out.length - 1];
    if (last && fits(last.parts, p)) {
      last.items.push(item);
      last.parts.push(p);
    } else {
      out.push({ items: [item], parts: [p] });
    }
  }
  return out;
}

/** A batch's heading (HOURLY/DAILY delivery): a context block atop each Slack message, Discord's `content`. */
export type Heading = string | null;

function slackGroups(items: Item[], linkTemplate: string | null, heading: Heading) {
  const room = SLACK.blocks - (heading ? 1 : 0);
  return pack(
    items,
    (item) => slackBlocks(item, itemLink(item, linkTemplate)),
    (held, next) => held.reduce((n, b) => n + b.length, 0) + next.length <= room,
  );
}

/** Slack messages for the items: blocks of whole items, at most 50 blocks a message. */
export function slackMessages(items: Item[], linkTemplate: string | null, heading: Heading = null): { text: string; blocks: unknown[] }[] {
  return slackGroups(items, linkTemplate, heading).map(({ items: held, parts }) => ({
    text: cut(heading ? `${heading}: ${held.map((i) => i.title).join(' · ')}` : `${mark(held[0]!)}: ${held.map((i) => i.title).join(' · ')}`, SLACK.section),
    blocks: [...(heading ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: cut(slackEscape(heading), SLACK.section) }] }] : []), ...parts.flat()],
  }));
}

function discordEmbed(item: Item, link: string | null): { embed: Record<string, unknown>; size: number } {
  const sources = fitList(
    item.sources.filter((s) => s.url && /^https?:/.test(s.url)).map((s) => `[${cut(s.label.replace(/[[\]]/g, '').trim(), 100)}](${s.url})`),
    '\n',
    DISCORD.fieldValue,
  );
  const fields = [
    { name: 'Importance', value: mark(item), inline: true },
    { name: 'Section', value: cut(item.section.title ?? item.section.key, DISCORD.fieldValue), inline: true },
    { name: 'Report', value: cut(item.report.slug, DISCORD.fieldValue), inline: true },
    ...(item.entities.length ? [{ name: 'Entities', value: fitList(item.entities.map((e) => e.name), ', ', DISCORD.fieldValue), inline: false }] : []),
    ...(sources ? [{ name: 'Sources', value: sources, inline: false }] : []),
  ].slice(0, DISCORD.fields);
  const title = cut(item.title, DISCORD.title);
  // The whole message must stay under 6,000 characters: one embed gets at most a share of it.
  const room = DISCORD.total / 2 - title.length - fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  const description = cut(item.summary ?? '', Math.max(0, Math.min(DISCORD.description, room)));
  const embed = { title, ...(link ? { url: link } : {}), description, color: COLOUR[item.importance ?? ''] ?? 0x607d8b, fields, timestamp: item.publishedAt };
  return { embed, size: title.length + description.length + fields.reduce((n, f) => n + f.name.length + f.value.length, 0) };
}

function discordGroups(items: Item[], linkTemplate: string | null) {
  return pack(
    items,
    (item) => discordEmbed(item, itemLink(item, linkTemplate)),
    (held, next) => held.length < DISCORD.embeds && held.reduce((n, e) => n + e.size, 0) + next.size <= DISCORD.total,
  );
}

/** Discord messages: at most 10 embeds and 6,000 characters each (a heading goes in `content`, ≤ 2,000). */
export function discordMessages(items: Item[], linkTemplate: string | null, heading: Heading = null): { content?: string; embeds: Record<string, unknown>[] }[] {
  return discordGroups(items, linkTemplate).map(({ parts }) => ({ ...(heading ? { content: cut(heading, DISCORD.content) } : {}), embeds: parts.map((p) => p.embed) }));
}

/** Events in one JSON batch message: receivers' body limits stay comfortable (a few hundred KB). */
export const JSON_BATCH_MAX = 100;

/**
 * How a batch's items split into messages for `format`: each group renders as exactly one message
 * (with a heading). The batch is cut this way when its window closes, one delivery per message.
 */
export function batchGroups(format: 'JSON' | 'SLACK' | 'DISCORD', items: Item[], linkTemplate: string | null): Item[][] {
  if (format === 'SLACK') return slackGroups(items, linkTemplate, 'heading').map((g) => g.items);
  if (format === 'DISCORD') return discordGroups(items, linkTemplate).map((g) => g.items);
  const out: Item[][] = [];
  for (let i = 0; i < items.length; i += JSON_BATCH_MAX) out.push(items.slice(i, i + JSON_BATCH_MAX));
  return out;
}

/**
 * The request bodies for a delivery: one, except when a batch cut for one format is sent after
 * the endpoint switched to another whose limits split it; then its messages go one by one.
 */
export function messageBodies(format: 'JSON' | 'SLACK' | 'DISCORD', payload: AnyWebhookPayload, linkTemplate: string | null): string[] {
  if (format === 'JSON') return [JSON.stringify(payload)];
  const batch = payload.type === 'item.batch';
  const items = batch ? payload.data.events.map((e) => e.data.item) : [payload.data.item];
  const heading = batch ? batchHeading(payload) : null;
  const messages = format === 'SLACK' ? slackMessages(items, linkTemplate, heading) : discordMessages(items, linkTemplate, heading);
  return messages.map((m) => JSON.stringify(m));
}

const UTC_TIME = (iso: string) => iso.slice(11, 16);

/** "Hourly digest · 2026-11-29 05:00–06:00 UTC · 12 items · part 1 of 2" */
export function batchHeading(batch: WebhookBatchPayload): string {
  const { mode, window, part, parts, events } = batch.data;
  const span = mode === 'HOURLY' ? `${window.start.slice(0, 10)} ${UTC_TIME(window.start)}–${UTC_TIME(window.end)} UTC` : `${window.start.slice(0, 16).replace('T', ' ')} – ${window.end.slice(0, 16).replace('T', ' ')} UTC`;
  const count = `${events.length} item${events.length === 1 ? '' : 's'}`;
  return `${mode === 'HOURLY' ? 'Hourly' : 'Daily'} digest · ${span} · ${count}${parts > 1 ? ` · part ${part} of ${parts}` : ''}`;
}
