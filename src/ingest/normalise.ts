/**
 * Text folding shared by entity keys, label matching and tag matching.
 * NFKC folds full-width forms (ＧＰＴ → GPT, ： → :), lower-casing folds case.
 */
export function foldText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** A stable key for a name: folded, trimmed, inner whitespace collapsed. */
export function normaliseKey(name: string): string {
  return foldText(name).replace(/\s+/g, ' ').trim();
}

/** Trailing spaces off every line, runs of blank lines collapsed, the block trimmed. */
export function tidyMarkdown(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}
