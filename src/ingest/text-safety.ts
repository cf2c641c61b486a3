/**
 * Text that cannot be stored or published as written: Postgres refuses U+0000 in `text`, a lone
 * UTF-16 surrogate has no UTF-8 form (drivers would store U+FFFD or fail), and XML 1.0 (the RSS and
 * Atom feeds) cannot hold the other C0 controls (all but tab, LF and CR) nor U+FFFE and U+FFFF.
 * Such input is refused at the boundary with the field that holds it, never left to fail later.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unsafeTextReason(text: string): string | null {
  const m = UNSAFE.exec(text);
  if (!m) return null;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  if (m[0] === '\u0000') return 'contains a NUL character (U+0000), which cannot be stored';
  if (/[\uD800-\uDFFF]/.test(m[0])) return `contains a lone surrogate (U+${code}), which is not valid Unicode text`;
  return `contains the control character U+${code}, which XML feeds cannot carry`;
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
