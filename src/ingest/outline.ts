/** A line of the digest with its 1-based line number in the file. */
export interface Line {
  text: string;
  no: number;
}

export interface SubBlock {
  heading: string;
  line: number;
  lines: Line[];
}

export interface SectionBlock {
  heading: string;
  line: number;
  /** Lines between the H2 and its first H3. */
  lead: Line[];
  subs: SubBlock[];
}

export interface Outline {
  intro: Line[];
  sections: SectionBlock[];
}

const H2 = /^##\s+(.+?)\s*#*\s*$/;
const H3 = /^###\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** H2 → section, H3 → sub-block; headings inside fenced code are text. */
export function outline(lines: Line[]): Outline {
  const out: Outline = { intro: [], sections: [] };
  let section: SectionBlock | null = null;
  let sub: SubBlock | null = null;
  let fence: string | null = null;
  for (const line of lines) {
    const f = FENCE.exec(line.text);
    if (f) fence = fence === null ? f[1]! : fence === f[1] ? null : fence;
    const h2 = fence === null ? H2.exec(line.text) : null;
    const h3 = fence === null && !h2 ? H3.exec(line.text) : null;
    if (h2) {
      section = { heading: h2[1]!, line: line.no, lead: [], subs: [] };
      sub = null;
      out.sections.push(section);
    } else if (h3 && section) {
      sub = { heading: h3[1]!, line: line.no, lines: [] };
      section.subs.push(sub);
    } else if (sub) {
      sub.lines.push(line);
    } else if (section) {
      section.lead.push(line);
    } else {
      out.intro.push(line);
    }
  }
  return out;
}

const THEMATIC_BREAK = /^\s*(?:-{3,}|\*{3,}|_{3,})\s*$/;

/** Lines as Markdown, without the thematic breaks that only separate blocks at either end. */
export function linesToMarkdown(lines: Line[]): string {
  let start = 0;
  let end = lines.length;
  const blankOrBreak = (l: Line): boolean => l.text.trim() === '' || THEMATIC_BREAK.test(l.text);
  while (start < end && blankOrBreak(lines[start]!)) start++;
  while (end > start && blankOrBreak(lines[end - 1]!)) end--;
  return lines.slice(start, end).map((l) => l.text).join('\n');
}
