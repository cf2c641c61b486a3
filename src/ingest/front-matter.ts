import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { DigestParseError } from './errors';

export interface FrontMatter {
  data: Record<string, unknown>;
  /** 1-based line of each top-level key, for errors that name the line. */
  keyLines: Record<string, number>;
  /** Line number (1-based) of the first line after the closing fence. */
  bodyStartLine: number;
}

const FENCE = /^---\s*$/;

/** Hugo / Jekyll YAML front matter between two `---` lines at the top of the file. */
export function readFrontMatter(lines: string[]): FrontMatter {
  if (!FENCE.test(lines[0] ?? '')) {
    throw new DigestParseError('no front matter: a digest starts with a "---" line followed by YAML', 1, 'frontMatter');
  }
  const end = lines.findIndex((l, i) => i > 0 && FENCE.test(l));
  if (end === -1) {
    throw new DigestParseError('front matter opened on line 1 is never closed with "---"', 1, 'frontMatter');
  }
  const yamlText = lines.slice(1, end).join('\n');
  const counter = new LineCounter();
  const doc: Document = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    const line = counter.linePos(firstError.pos[0]).line + 1;
    throw new DigestParseError(`front matter is not valid YAML (${firstError.code})`, line, 'frontMatter');
  }
  const data = toPlainData(doc, counter);
  if (data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    throw new DigestParseError('front matter must be a YAML mapping of keys to values', 2, 'frontMatter');
  }
  const keyLines: Record<string, number> = {};
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (isScalar(pair.key) && pair.key.range) {
        keyLines[String(pair.key.value)] = counter.linePos(pair.key.range[0]).line + 1;
      }
    }
  }
  return { data: (data ?? {}) as Record<string, unknown>, keyLines, bodyStartLine: end + 2 };
}

/**
 * The YAML as plain data. Aliases that expand past the `yaml` library's limit (a "billion laughs"
 * document) are refused, naming the top-level key whose value explodes.
 */
function toPlainData(doc: Document, counter: LineCounter): unknown {
  try {
    return doc.toJS();
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    let line = 2;
    let field = 'frontMatter';
    if (isMap(doc.contents)) {
      for (const pair of doc.contents.items) {
        try {
          if (isNode(pair.value)) pair.value.toJS(doc);
        } catch {
          if (isScalar(pair.key) && pair.key.range) {
            line = counter.linePos(pair.key.range[0]).line + 1;
            field = String(pair.key.value);
          }
          break;
        }
      }
    }
    throw new DigestParseError(`front matter aliases expand too far (${err.message.toLowerCase()})`, line, field);
  }
}
