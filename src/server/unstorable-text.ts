import { Kind, visit, type DocumentNode, type ValueNode } from 'graphql';
import { badUserInput, type ApiError } from './errors';

/**
 * Text that no database column can hold: a NUL (Postgres text refuses U+0000) or a lone UTF-16
 * surrogate (not encodable as UTF-8). Sent as an argument of a read, either reached SQL and came
 * back as an internal error; it is the caller's mistake, so it is refused before anything runs,
 * naming the argument (or variable) that holds it, on every transport.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const problem = (text: string): string | null => {
  const m = UNSTORABLE.exec(text);
  if (!m) return null;
  return m[0] === '\u0000' ? 'contains a NUL character (U+0000), which text cannot hold' : 'contains a lone UTF-16 surrogate, which is not valid Unicode text';
};

interface Found {
  path: string;
  why: string;
}

function inLiteral(value: ValueNode, path: string): Found | null {
  switch (value.kind) {
    case Kind.STRING: {
      const why = problem(value.value);
      return why ? { path, why } : null;
    }
    case Kind.LIST:
      for (const [i, v] of value.values.entries()) {
        const found = inLiteral(v, `${path}[${i}]`);
        if (found) return found;
      }
      return null;
    case Kind.OBJECT:
      for (const f of value.fields) {
        const found = inLiteral(f.value, `${path}.${f.name.value}`);
        if (found) return found;
      }
      return null;
    default:
      return null;
  }
}

function inJson(value: unknown, path: string): Found | null {
  if (typeof value === 'string') {
    const why = problem(value);
    return why ? { path, why } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = inJson(v, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = inJson(v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return null;
}

/** BAD_USER_INPUT naming the first argument or variable holding unstorable text, or null. */
export function unstorableTextError(document: DocumentNode, variables: Record<string, unknown> | null | undefined): ApiError | null {
  const hits: Found[] = [];
  visit(document, {
    Argument(node) {
      const found = inLiteral(node.value, node.name.value);
      if (found) hits.push(found);
      return false;
    },
    VariableDefinition(node) {
      const found = node.defaultValue ? inLiteral(node.defaultValue, `$${node.variable.name.value}`) : null;
      if (found) hits.push(found);
      return false;
    },
  });
  for (const [name, value] of Object.entries(variables ?? {})) {
    const found = inJson(value, `$${name}`);
    if (found) hits.push(found);
  }
  const first = hits[0];
  return first ? badUserInput(first.path, first.why) : null;
}
