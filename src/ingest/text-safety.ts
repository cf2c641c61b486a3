/**
 * Text that no database column can hold as written: Postgres refuses U+0000 in `text`, and a lone
 * UTF-16 surrogate has no UTF-8 form (drivers would store U+FFFD or fail). Such input is refused
 * at the boundary with the field that holds it, never left to fail in a statement.
 */
// eslint-disable-next-line no-control-regex -- finding the NUL character is the point
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unsafeTextReason(text: string): string | null {
  const m = UNSAFE.exec(text);
  if (!m) return null;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return m[0] === '\u0000'
    ? 'contains a NUL character (U+0000), which cannot be stored'
    : `contains a lone surrogate (U+${code}), which is not valid Unicode text`;
}

/** Something in a report that may not be stored: where, why, and the text to find its line by. */
export interface InputProblem {
  path: (string | number)[];
  reason: string;
  find: string;
}

/** The first problem `check` finds in the strings of a value (depth first, in key order). */
export function firstInStrings(
  value: unknown,
  check: (text: string, path: (string | number)[]) => InputProblem | null,
  path: (string | number)[] = [],
): InputProblem | null {
  if (typeof value === 'string') return check(value, path);
  const entries = Array.isArray(value) ? [...value.entries()] : value !== null && typeof value === 'object' ? Object.entries(value) : [];
  for (const [k, v] of entries) {
    const found = firstInStrings(v, check, [...path, k]);
    if (found) return found;
  }
  return null;
}

/** The first string that cannot be stored, with its path. */
export function firstUnsafeText(value: unknown): InputProblem | null {
  return firstInStrings(value, (text, path) => {
    const reason = unsafeTextReason(text);
    return reason ? { path, reason, find: UNSAFE.exec(text)![0] } : null;
  });
}
