import { z } from 'zod';
import { toEntityRefs } from './entities';
import type { Item, Report, Section, Source } from './model';
import { tidyMarkdown } from './normalise';
import { PROSE_SECTION_KEYS, sectionKey, splitSectionTitle } from './section-keys';
import { classifySource, dedupeSources, itemTexts, linkSourceInputs } from './sources';
import { itemTags } from './tags';
import { firstUnsafeLink } from './link-safety';
import { firstUnsafeText } from './text-safety';
import { DIGEST_CAPS, capMessage } from './caps';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A calendar-valid ISO date or date-time (2026-02-30 and 25:00 are refused). */
export function isValidDigestDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1).map((x) => x ?? undefined) as string[];
  // Not Date.UTC: it reads years 0-99 as 1900-1999. Year 0 is refused: Postgres has none.
  const probe = new Date(0);
  probe.setUTCFullYear(+y!, +mo! - 1, +d!);
  probe.setUTCHours(+h, +mi, +s);
  const zone = /^[+-](\d{2}):?(\d{2})$/.exec(m[7] ?? '');
  return (
    +y! >= 1 && probe.getUTCFullYear() === +y! && probe.getUTCMonth() === +mo! - 1 && probe.getUTCDate() === +d! &&
    probe.getUTCHours() === +h && probe.getUTCMinutes() === +mi && probe.getUTCSeconds() === +s &&
    // An offset is at most 23:59 (+25:00 and +23:99 are no zone), and the instant it gives must exist.
    (!zone || (+zone[1]! <= 23 && +zone[2]! <= 59)) && !Number.isNaN(digestInstant(value).getTime())
  );
}

/** The instant a digest date stands for; a date without an offset is read as UTC. */
export function digestInstant(date: string): Date {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not a digest date: ${date}`);
  if (!m[4]) return new Date(`${date.slice(0, 10)}T00:00:00Z`);
  const zone = m[7] ?? 'Z';
  return new Date(`${date.slice(0, 10)}T${m[4]}:${m[5]}:${m[6] ?? '00'}${zone === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`);
}

const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v == null ? null : tidyMarkdown(v) || null));
const name = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

export const sourceInputSchema = z
  .object({
    label: z.string().trim().max(500).default(''),
    url: z.string().trim().max(2048).nullish(),
    ref: z.string().trim().max(2048).nullish(),
  })
  .transform((s) => {
    const target = s.ref ?? s.url ?? null;
    return classifySource(s.label || target || '', target);
  });

const entityInputSchema = z.union([name(200), z.object({ name: name(200) }).transform((e) => e.name)]);

export const importanceSchema = z.enum(['HIGH', 'MEDIUM', 'LOW']);

export const itemInputSchema = z.object({
  title: name(500),
  summary: optionalText,
  details: optionalText,
  applications: optionalText,
  body: optionalText,
  entities: z.array(entityInputSchema).max(DIGEST_CAPS.entitiesPerItem, capMessage('entitiesPerItem', 'entities', 'an item')).default([]),
  importance: importanceSchema.nullish().transform((v) => v ?? null),
  sources: z.array(sourceInputSchema).max(DIGEST_CAPS.sourcesPerItem, capMessage('sourcesPerItem', 'sources', 'an item')).default([]),
  tags: z.array(name(100)).max(100).default([]),
  extra: z
    .array(z.object({ label: name(100), text: z.string().transform((t) => tidyMarkdown(t)) }))
    .max(DIGEST_CAPS.extraBlocksPerItem, capMessage('extraBlocksPerItem', 'labelled blocks', 'an item'))
    .default([]),
});

export const sectionInputSchema = z.object({
  key: z
    .string()
    .regex(/^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N}-]*$/u, 'lower-case letters, digits and dashes')
    .max(100)
    .optional(),
  title: name(300),
  titleEn: z.string().trim().max(300).nullish(),
  prose: z.boolean().optional(),
  body: optionalText,
  sources: z.array(sourceInputSchema).max(DIGEST_CAPS.sourcesPerSection, capMessage('sourcesPerSection', 'links', 'a section')).default([]),
  items: z.array(itemInputSchema).max(DIGEST_CAPS.itemsPerSection, capMessage('itemsPerSection', 'items', 'a section')).default([]),
});

export const SLUG_RE = /^[\p{L}\p{N}][\p{L}\p{N}._-]{0,199}$/u;

const reportObjectSchema = z
  .object({
    slug: z.string().regex(SLUG_RE, 'letters, digits, ".", "_" and "-", at most 200'),
    title: name(500),
    date: z.string().refine(isValidDigestDate, 'must be an ISO date such as 2025-11-25 or 2025-11-25T06:42:17+08:00'),
    draft: z.boolean().default(false),
    tags: z.array(name(100)).max(100).default([]),
    description: optionalText,
    summary: optionalText,
    cover: z
      .object({ image: name(2048), alt: z.string().nullish(), relative: z.boolean().nullish() })
      .nullish()
      .transform((c) => (c ? { image: c.image, alt: c.alt ?? null, relative: c.relative ?? null } : null)),
    stats: z
      .object({ articleCount: z.number().int().min(0), topicCount: z.number().int().min(0) })
      .nullish()
      .transform((v) => v ?? null),
    collectionWindow: optionalText,
    generatedAt: optionalText,
    keywords: z.array(name(100)).max(200).default([]),
    watchlist: z.array(name(2000)).max(200).default([]),
    intro: optionalText,
    sections: z.array(sectionInputSchema).max(DIGEST_CAPS.sectionsPerReport, capMessage('sectionsPerReport', 'sections', 'a report')),
  })
  .superRefine((r, ctx) => {
    // `find`: the Markdown path looks for the exact line holding it.
    const problem = firstUnsafeText(r) ?? firstUnsafeLink(r);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.reason, params: { find: problem.find } });
    // Pointed at the first item over the cap, so a digest's error names its line.
    let seen = 0;
    for (const [s, section] of r.sections.entries()) {
      if (seen + section.items.length > DIGEST_CAPS.itemsPerReport) {
        const path = ['sections', s, 'items', DIGEST_CAPS.itemsPerReport - seen];
        ctx.addIssue({ code: 'custom', path, message: capMessage('itemsPerReport', 'items', 'a report') });
        return;
      }
      seen += section.items.length;
    }
  });

/** Validates and normalises a report, whether it came from Markdown or from a publisher's JSON. */
export const reportInputSchema = reportObjectSchema.transform((r): Report => finaliseReport(r));

/** What a publisher may send (structured JSON); `Report` is what it becomes. */
export type ReportInput = z.input<typeof reportInputSchema>;

/**
 * A block's listed sources, then every link in its text (a long-form post cites its evidence
 * inline), each URL once: JSON and Markdown input get the same sources.
 */
function withTextLinks(listed: Source[], texts: string[]): Source[] {
  const linked = linkSourceInputs(texts).map((l) => classifySource(l.label, l.ref));
  return dedupeSources([...listed, ...linked]);
}

/** Derived fields, computed the same way for Markdown and JSON input: keys, positions, tags. */
function finaliseReport(r: z.output<typeof reportObjectSchema>): Report {
  const usedKeys = new Set<string>();
  const tagCandidates = [...r.tags, ...r.keywords];
  let itemPosition = 0;
  const sections: Section[] = r.sections.map((s, i) => {
    const split = s.titleEn == null ? splitSectionTitle(s.title) : { title: s.title, titleEn: s.titleEn || null };
    let key = s.key ?? sectionKey(split.title, split.titleEn);
    for (let n = 2; usedKeys.has(key); n++) key = `${s.key ?? sectionKey(split.title, split.titleEn)}-${n}`;
    usedKeys.add(key);
    const items: Item[] = s.items.map((it) => {
      const base = { ...it, entities: toEntityRefs(it.entities), sources: withTextLinks(it.sources, itemTexts(it)) };
      return { ...base, tags: itemTags(base, tagCandidates), position: ++itemPosition };
    });
    return {
      key,
      title: split.title,
      titleEn: split.titleEn,
      prose: s.prose ?? (PROSE_SECTION_KEYS.has(key) && items.length === 0),
      body: s.body,
      sources: withTextLinks(s.sources, s.body ? [s.body] : []),
      items,
      position: i + 1,
    };
  });
  return { ...r, sections };
}
