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

/** The first string (depth first, in key order) inside a value that cannot be stored, with its path. */
export function firstUnsafeText(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; reason: string } | null {
  if (typeof value === 'string') {
    const reason = unsafeTextReason(value);
    return reason ? { path, reason } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = firstUnsafeText(v, [...path, i]);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = firstUnsafeText(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}
