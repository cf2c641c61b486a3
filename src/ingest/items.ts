import { splitEntities } from './entities';
import { DigestParseError } from './errors';
import { parseImportance } from './importance';
import { knownLabel, parseLabelLine } from './labels';
import type { Importance, LabelledBlock } from './model';
import { tidyMarkdown } from './normalise';
import { linesToMarkdown, type Line, type SubBlock } from './outline';
import type { LinkDefinitions } from './links';
import { linkSourceInputs } from './sources';

/** An item as read from Markdown, before schema validation (the same shape a publisher may send). */
export interface RawItem {
  title: string;
  summary?: string;
  details?: string;
  applications?: string;
  body?: string;
  entities: string[];
  importance: Importance | null;
  sources: { label: string; ref: string }[];
  extra: LabelledBlock[];
}

interface Block {
  label: string | null;
  line: number;
  lines: Line[];
}

const TITLE_LINK = /^\[([^\]]+)\]\(([^)\s]+)\)$/;
const BARE_URL = /https?:\/\/[^\s<>()|]+/g;
const FENCE = /^\s*(```|~~~)/;

/** Splits an item's lines at label lines (`**核心摘要**`, `**來源**：…`); text before the first label is the body. */
function labelledBlocks(lines: Line[], firstLine: number): Block[] {
  const blocks: Block[] = [{ label: null, line: firstLine, lines: [] }];
  let fence = false;
  for (const line of lines) {
    if (FENCE.test(line.text)) fence = !fence;
    const label = fence ? null : parseLabelLine(line.text);
    if (label) {
      blocks.push({ label: label.label, line: line.no, lines: label.rest ? [{ text: label.rest, no: line.no }] : [] });
    } else {
      blocks[blocks.length - 1]!.lines.push(line);
    }
  }
  return blocks;
}

function sourcesFrom(text: string, definitions: LinkDefinitions): { label: string; ref: string }[] {
  const links = linkSourceInputs([text], definitions);
  if (links.length > 0) return links;
  return [...text.matchAll(BARE_URL)].map((m) => ({ label: m[0], ref: m[0] }));
}

/** One H3 of a news section → one item. Unknown labels go to `extra`, never dropped. */
export function parseItem(block: SubBlock, definitions: LinkDefinitions): RawItem {
  const titleLink = TITLE_LINK.exec(block.heading.trim());
  const item: RawItem = {
    title: titleLink ? titleLink[1]!.trim() : block.heading.trim(),
    entities: [],
    importance: null,
    sources: titleLink ? [{ label: titleLink[1]!.trim(), ref: titleLink[2]! }] : [],
    extra: [],
  };
  for (const b of labelledBlocks(block.lines, block.line)) {
    const text = tidyMarkdown(linesToMarkdown(b.lines));
    if (b.label === null) {
      if (text) item.body = text;
      continue;
    }
    const field = knownLabel(b.label);
    switch (field) {
      case 'summary':
      case 'details':
      case 'applications':
        if (item[field] === undefined) item[field] = text;
        else item.extra.push({ label: b.label, text });
        break;
      case 'entities':
        item.entities.push(...splitEntities(text.replace(/^\s*[-*+]\s+/gm, '\n')));
        break;
      case 'importance': {
        const importance = parseImportance(text);
        if (importance === 'unknown') {
          throw new DigestParseError(
            `unknown importance "${text}" in item "${item.title}": use 高/中/低 or High/Medium/Low`,
            b.line,
            'importance',
          );
        }
        item.importance = importance;
        break;
      }
      case 'sources':
        item.sources.push(...sourcesFrom(text, definitions));
        break;
      case 'watchlist':
      case null:
        item.extra.push({ label: b.label, text });
        break;
      default: {
        const unreachable: never = field;
        throw new Error(`unhandled label ${String(unreachable)}`);
      }
    }
  }
  return item;
}

const BULLET_ITEM = /^[-*+]\s+\*\*\[([^\]]+)\]\(([^)\s]+)\)\*\*\s*(?:[—–:：-]+\s*)?(.*)$/;

/**
 * Fallback for digests that list news as bullets: `- **[title](url)** — comment`.
 * Returns the items and the lines that were not part of one.
 */
export function bulletItems(lines: Line[]): { items: RawItem[]; rest: Line[] } {
  const items: RawItem[] = [];
  const rest: Line[] = [];
  let current: { item: RawItem; body: string[] } | null = null;
  const flush = (): void => {
    if (!current) return;
    const body = tidyMarkdown(current.body.join('\n'));
    if (body) current.item.body = body;
    items.push(current.item);
    current = null;
  };
  for (const line of lines) {
    const m = BULLET_ITEM.exec(line.text);
    if (m) {
      flush();
      const title = m[1]!.trim();
      current = {
        item: { title, entities: [], importance: null, sources: [{ label: title, ref: m[2]! }], extra: [] },
        body: [m[3]!],
      };
    } else if (current && /^\s+\S/.test(line.text)) {
      current.body.push(line.text.trim());
    } else {
      flush();
      rest.push(line);
    }
  }
  flush();
  return { items, rest };
}
