import type { z } from 'zod';
import { DigestParseError } from './errors';
import { readFrontMatter, type FrontMatter } from './front-matter';
import type { Report } from './model';
import { tidyMarkdown } from './normalise';
import { linkDefinitions } from './links';
import { linesToMarkdown, outline, type Line } from './outline';
import { isKeywordHeading, keywordsFrom, takeFooter, watchlistFrom } from './report-meta';
import { isValidDigestDate, reportInputSchema, type ReportInput } from './schema';
import { parseSection } from './sections';
import { decodeDigest as decode } from './source-text';

export interface ParseOptions {
  /** Used for the default slug and in error messages. */
  fileName?: string;
}

/**
 * Markdown digest → validated `Report`. Pure: bytes or text in, a value or a `DigestParseError` out.
 */
export function parseDigest(input: string | Uint8Array, options: ParseOptions = {}): Report {
  try {
    return parseOrThrow(input, options);
  } catch (err) {
    if (err instanceof DigestParseError && options.fileName) throw err.inFile(options.fileName);
    throw err;
  }
}

function parseOrThrow(input: string | Uint8Array, options: ParseOptions): Report {
  const text = decode(input);
  const lines = text.split('\n');
  const fm = readFrontMatter(lines);
  const bodyLines: Line[] = lines.slice(fm.bodyStartLine - 1).map((t, i) => ({ text: t, no: fm.bodyStartLine + i }));
  const { footer, rest } = takeFooter(bodyLines);
  const tree = outline(rest);
  // A reference definition applies in every block of the digest, wherever it is written.
  const definitions = linkDefinitions(linesToMarkdown(rest));
  const sections = tree.sections.map((block) => parseSection(block, definitions));
  const keywordLines = tree.sections.flatMap((s) => s.subs.filter((sub) => isKeywordHeading(sub.heading)).flatMap((sub) => sub.lines));
  const intro = tidyMarkdown(linesToMarkdown(tree.intro));

  const raw = {
    ...frontMatterFields(fm, options.fileName),
    ...footer,
    keywords: keywordsFrom(keywordLines),
    watchlist: watchlistFrom(sections.filter((s) => s.prose).flatMap((s) => s.lines)),
    intro: intro || null,
    sections: sections.map(({ lines: _lines, ...s }) => s),
  } satisfies ReportInput;

  const parsed = reportInputSchema.safeParse(raw);
  if (!parsed.success) throw zodToParseError(parsed.error, fm, tree.sections, lines);
  return parsed.data;
}

function frontMatterFields(fm: FrontMatter, fileName: string | undefined) {
  const d = fm.data;
  const lineOf = (key: string): number => fm.keyLines[key] ?? 1;
  const str = (key: string): string | null => {
    const v = d[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new DigestParseError(`"${key}" must be text, not ${Array.isArray(v) ? 'a list' : 'a mapping'}`, lineOf(key), key);
  };
  const title = str('title');
  if (!title?.trim()) throw new DigestParseError('the front matter has no title', d.title === undefined ? 1 : lineOf('title'), 'title');
  const date = str('date');
  if (!date) throw new DigestParseError('the front matter has no date', 1, 'date');
  if (!isValidDigestDate(date.trim())) {
    throw new DigestParseError(`invalid date "${date}": use ISO 8601 such as 2025-11-25 or 2025-11-25T06:42:17+08:00`, lineOf('date'), 'date');
  }
  const draft = d.draft;
  if (draft !== undefined && draft !== null && typeof draft !== 'boolean') {
    throw new DigestParseError(`"draft" must be true or false, not "${String(draft)}"`, lineOf('draft'), 'draft');
  }
  const tags = d.tags;
  const tagList = Array.isArray(tags) ? tags.map(String) : typeof tags === 'string' ? tags.split(/[,，]/) : [];
  const cover = d.cover as Record<string, unknown> | undefined;
  const baseName = fileName?.split(/[\\/]/).pop()?.replace(/\.[^.]+$/, '');
  return {
    slug: str('slug') ?? baseName ?? date.trim().slice(0, 10),
    title: title.trim(),
    date: date.trim(),
    draft: draft === true,
    tags: tagList.map((t) => t.trim()).filter(Boolean),
    description: str('description'),
    summary: str('summary'),
    // `cover: <url>` is the image alone; it is checked (scheme, length) like the mapping form.
    cover: typeof d.cover === 'string'
      ? { image: d.cover, alt: null, relative: null }
      : cover && typeof cover === 'object' && typeof cover.image === 'string'
        ? {
            image: cover.image,
            alt: typeof cover.alt === 'string' ? cover.alt : null,
            relative: typeof cover.relative === 'boolean' ? cover.relative : null,
          }
        : null,
  };
}

/** The first schema problem, with the line it comes from. */
function zodToParseError(
  error: z.ZodError,
  fm: FrontMatter,
  sections: ReturnType<typeof outline>['sections'],
  lines: string[],
): DigestParseError {
  const issue = error.issues[0]!;
  const path = issue.path.map(String);
  let line = fm.keyLines[path[0] ?? ''] ?? 1;
  if (path[0] === 'sections' && path[1] !== undefined) {
    const section = sections[Number(path[1])];
    line = section?.line ?? line;
    if (path[2] === 'items' && path[3] !== undefined) line = section?.subs[Number(path[3])]?.line ?? line;
  }
  const find: unknown = issue.code === 'custom' ? issue.params?.find : undefined;
  if (typeof find === 'string' && find !== '') {
    // The field starts at `line`; what is wrong with it is on the first line from there that holds it.
    const at = lines.findIndex((l, i) => i >= line - 1 && l.includes(find));
    if (at !== -1) line = at + 1;
  }
  return new DigestParseError(issue.message, line, path.join('.') || null);
}
