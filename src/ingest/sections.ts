import { bulletItems, parseItem, type RawItem } from './items';
import { linesToMarkdown, type Line, type SectionBlock } from './outline';
import { isKeywordHeading } from './report-meta';
import { PROSE_SECTION_KEYS, sectionKey, splitSectionTitle } from './section-keys';
import type { LinkDefinitions } from './links';
import { itemTexts, linkSourceInputs, uniqueTargets } from './sources';
import { tidyMarkdown } from './normalise';

export interface RawSection {
  title: string;
  titleEn: string | null;
  prose: boolean;
  body?: string;
  sources: { label: string; ref: string }[];
  items: RawItem[];
  /** All lines of the section, for report-level metadata (keywords, watchlist). */
  lines: Line[];
}

const asLines = (s: SectionBlock['subs'][number]): Line[] => [{ text: `### ${s.heading}`, no: s.line }, ...s.lines];

/**
 * A news section turns each H3 into an item (or, with no H3, each `- **[title](url)**` bullet);
 * a prose section (editor's insight, further reading) keeps its H3s as Markdown sub-headings.
 */
export function parseSection(block: SectionBlock, definitions: LinkDefinitions): RawSection {
  const { title, titleEn } = splitSectionTitle(block.heading);
  const prose = PROSE_SECTION_KEYS.has(sectionKey(title, titleEn));
  const all = [...block.lead, ...block.subs.flatMap(asLines)];
  let items: RawItem[] = [];
  let bodyLines: Line[];
  if (prose) {
    bodyLines = all;
  } else if (block.subs.length > 0) {
    const itemSubs = block.subs.filter((s) => !isKeywordHeading(s.heading));
    items = itemSubs.map((sub) => parseItem(sub, definitions));
    bodyLines = [...block.lead, ...block.subs.filter((s) => isKeywordHeading(s.heading)).flatMap(asLines)];
  } else {
    const bullets = bulletItems(block.lead);
    items = bullets.items;
    bodyLines = bullets.rest;
  }
  // An item's sources: its title link and 來源 block, then every other link in its text.
  for (const item of items) item.sources = uniqueTargets([...item.sources, ...linkSourceInputs(itemTexts(item), definitions)]);
  const body = tidyMarkdown(linesToMarkdown(bodyLines));
  return {
    title,
    titleEn,
    prose,
    ...(body ? { body } : {}),
    sources: uniqueTargets(linkSourceInputs([body], definitions)),
    items,
    lines: all,
  };
}
