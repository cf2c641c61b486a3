import { getOperationAST, Kind, visit, type DocumentNode, type ValueNode } from 'graphql';
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

/** The first string in plain data (JSON, parsed input) that text cannot hold: its path and why, or null. */
export function findUnstorable(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; why: string } | null {
  if (typeof value === 'string') {
    const why = problem(value);
    return why ? { path, why } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findUnstorable(v, [...path, i]);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = findUnstorable(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

/**
 * BAD_USER_INPUT naming the first argument or variable of a read (query or subscription) holding
 * unstorable text, or null. Mutations are left to their own input parsing, which names the field
 * and, for a digest, its line (src/ingest, src/server/input.ts).
 */
export function unstorableTextError(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): ApiError | null {
  if (getOperationAST(document, operationName)?.operation === 'mutation') return null;
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
  const inVariables = findUnstorable(variables ?? {});
  if (inVariables) hits.push({ path: `$${inVariables.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('')}`, why: inVariables.why });
  const first = hits[0];
  return first ? badUserInput(first.path, first.why) : null;
}
