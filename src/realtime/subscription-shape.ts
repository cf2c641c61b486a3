import { getOperationAST, Kind, print, visit, type ArgumentNode, type DocumentNode, type ExecutionArgs, type FieldNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values';
import type { GraphQLContext } from '../graphql/context';
import { itemFactsOf, type EventRecord } from '../modules/events/events.repository';
import { matchesItem, normaliseItemFilter, type ItemFilterInput } from '../modules/items/item-filter';

/**
 * What decides the bytes a subscriber receives, apart from its filter: subscriptions with the
 * same key can share one execution per event (the WebSocket adapter's subscription groups), each
 * keeping what its own filter (`memberFilter`, the one matcher) matches. Pure: no IO, no transport.
 */

/** The root field of a subscription, through fragments (validation allows exactly one). */
function rootField(selectionSet: SelectionSetNode, document: DocumentNode): FieldNode | null {
  for (const s of selectionSet.selections) {
    if (s.kind === Kind.FIELD) return s;
    const inner = s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
    const set = inner && 'selectionSet' in inner ? inner.selectionSet : inner;
    const found = set ? rootField(set as SelectionSetNode, document) : null;
    if (found) return found;
  }
  return null;
}

/** What decides a subscription's bytes, from its document (computed once per cached document). */
export interface Shape {
  operation: OperationDefinitionNode;
  field: FieldNode;
  /** The document without the root field's `filter` and `after`, nor unused variable definitions. */
  text: string;
  /** The variables the document still uses once those are gone. */
  used: string[];
}

const shapes = new WeakMap<DocumentNode, Map<string | null, Shape | null>>();

export function shapeOf(document: DocumentNode, operationName: string | null | undefined): Shape | null {
  let byName = shapes.get(document);
  if (!byName) shapes.set(document, (byName = new Map()));
  const name = operationName ?? null;
  if (byName.has(name)) return byName.get(name)!;
  let shape: Shape | null = null;
  const operation = getOperationAST(document, operationName);
  const field = operation?.operation === 'subscription' ? rootField(operation.selectionSet, document) : null;
  if (operation && field) {
    const removed = new Set<ArgumentNode>(field.arguments?.filter((a) => a.name.value === 'filter' || a.name.value === 'after'));
    const stripped = visit(document, { Argument: (a) => (removed.has(a) ? null : undefined) });
    const used = new Set<string>();
    visit(stripped, { VariableDefinition: () => false, Variable: (v) => void used.add(v.name.value) });
    const text = print(visit(stripped, { VariableDefinition: (d) => (used.has(d.variable.name.value) ? undefined : null) }));
    shape = { operation, field, text, used: [...used].sort() };
  }
  byName.set(name, shape);
  return shape;
}

/** A group member's own part: which events it wants, whether it first replays from `after`, and its group. */
export interface MemberFilter {
  accepts: (e: EventRecord) => boolean;
  /** It replays from its `after` cursor on its own first, and joins its group once caught up. */
  replays: boolean;
  /** Its group key (groupKey). */
  key: string;
}

/**
 * Which events a member wants, from its own `filter` (coerced as graphql-js coerces it); null
 * when it must run alone: its arguments are refused (graphql-js then answers it as usual).
 */
export function memberFilter(args: ExecutionArgs, shape: Shape): MemberFilter | null {
  const variables = getVariableValues(args.schema, shape.operation.variableDefinitions ?? [], args.variableValues ?? {}, { maxErrors: 1 });
  if (variables.errors) return null;
  const def = args.schema.getSubscriptionType()?.getFields()[shape.field.name.value];
  if (!def) return null;
  try {
    const values = getArgumentValues(def, shape.field, variables.coerced);
    const replays = values.after != null;
    const key = groupKey(args, shape, variables.coerced);
    if (!def.args.some((a) => a.name === 'filter')) return { accepts: () => true, replays, key };
    const filter = normaliseItemFilter(values.filter as ItemFilterInput | null | undefined);
    const accepts = (e: EventRecord): boolean => {
      const facts = itemFactsOf(e);
      return facts !== null && matchesItem(filter, facts);
    };
    return { accepts, replays, key };
  } catch {
    return null;
  }
}

/**
 * The group key: what determines the bytes a subscriber receives, whatever its filter. From the
 * variables' coerced values, the ones execution sees (a variable left out takes its default, an
 * explicit null does not), not as sent; `[]` for one with neither.
 */
function groupKey(args: ExecutionArgs, shape: Shape, coerced: Record<string, unknown>): string {
  const ctx = args.contextValue as GraphQLContext;
  const values = shape.used.map((n) => (n in coerced ? [coerced[n]] : []));
  // Results depend on what the caller may see (its scopes), not on who it is: keys share groups.
  return JSON.stringify([ctx.auth.scopes, args.operationName ?? null, values, shape.text]);
}
