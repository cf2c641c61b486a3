import {
  Kind,
  getNamedType,
  isObjectType,
  isInterfaceType,
  valueFromAST,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type FieldNode,
  type DocumentNode,
} from 'graphql';

/** Invalidated by every event: anything a new publish (anywhere) can change. */
export const LISTS = 'lists';
export const reportTag = (slug: string): string => `report:${slug}`;
export const itemTag = (id: string): string => `item:${id}`;

/**
 * What a read operation depends on, decided from its document before it runs: `null` when it
 * must not be cached at all (admin data, or an answer that changes with the clock), else the tags
 * that invalidate it. The rule is conservative: only `report(slug)` and `item(id)` get a tag of
 * their own, and only while they stay inside what events about that report or item announce;
 * everything else (lists, search, entities, anything reached across reports) is tagged `lists`.
 */
export type CachePolicy = { tags: ReadonlySet<string> } | null;

/**
 * Root fields that need the admin scope or whose answer moves with the clock (trends default to
 * "now"): never cached.
 */
export const NEVER_CACHED = new Set(['apiKeys', 'webhooks', 'webhook', 'trendingEntities']);
/** Root fields whose answer never changes while the process runs. */
export const STATIC_ROOTS = new Set(['version', '__typename', '__schema', '__type']);
/**
 * Root fields whose answer is published content, changed only by publishes (which append events).
 * Anything not named here or above (a root field added later) is not cached until it is sorted.
 */
export const CONTENT_ROOTS = new Set(['report', 'latestReport', 'reports', 'item', 'items', 'entity', 'search']);
/**
 * Fields that read beyond the one report or item their root named: counts and lists over every
 * report (entities), or neighbours chosen from every report. Under report(slug)/item(id) they
 * make the entry `lists`.
 */
const ACROSS_REPORTS = new Set(['Entity.mentionCount', 'Entity.firstSeen', 'Entity.lastSeen', 'Entity.items', 'Entity.timeline', 'Entity.related', 'Item.related']);
/**
 * Under item(id): the item's report and section are the report's own data, and its position and
 * date are set by the report around it (an item inserted before it moves it down; the report's
 * date is its date): a re-publish changes them without announcing this item.
 */
const OUTSIDE_ITEM = new Set(['Item.report', 'Item.section', 'Item.position', 'Item.publishedAt']);

type Scope = 'report' | 'item' | 'lists';

export function cachePolicy(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): CachePolicy {
  if (operation.operation !== 'query') return null;
  const queryType = schema.getQueryType();
  if (!queryType) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const tags = new Set<string>();

  const argument = (field: FieldNode, name: string, type: GraphQLInputType): unknown => {
    const node = field.arguments?.find((a) => a.name.value === name);
    return node ? valueFromAST(node.value, type, variables) : undefined;
  };

  /** Walks a selection below a root field; false when something in it may not be cached. */
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, scope: Scope, seen: Set<string>): boolean => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? (schema.getType(sel.typeCondition.name.value) ?? parent) : parent;
        if (!walk(sel.selectionSet, type, scope, seen)) return false;
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const name = sel.name.value;
        const frag = fragments.get(name);
        if (!frag) return false;
        if (seen.has(name)) continue;
        const type = schema.getType(frag.typeCondition.name.value) ?? parent;
        if (!walk(frag.selectionSet, type, scope, new Set([...seen, name]))) return false;
        continue;
      }
      const name = sel.name.value;
      if (name.startsWith('__')) continue;
      if (!isObjectType(parent) && !isInterfaceType(parent)) return false;
      const def = parent.getFields()[name];
      if (!def) return false;
      const coordinate = `${parent.name}.${name}`;
      if (scope !== 'lists' && (ACROSS_REPORTS.has(coordinate) || (scope === 'item' && OUTSIDE_ITEM.has(coordinate)))) tags.add(LISTS);
      if (sel.selectionSet && !walk(sel.selectionSet, getNamedType(def.type), scope, seen)) return false;
    }
    return true;
  };

  const rootFields = (set: SelectionSetNode, seen: Set<string>): boolean => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (!rootFields(sel.selectionSet, seen)) return false;
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value);
        if (!frag) return false;
        if (seen.has(sel.name.value)) continue;
        if (!rootFields(frag.selectionSet, new Set([...seen, sel.name.value]))) return false;
        continue;
      }
      const name = sel.name.value;
      if (STATIC_ROOTS.has(name)) continue;
      const def = queryType.getFields()[name];
      if (!def || !CONTENT_ROOTS.has(name)) return false;
      let scope: Scope = 'lists';
      if (name === 'report' || name === 'item') {
        const argName = name === 'report' ? 'slug' : 'id';
        const argDef = def.args.find((a) => a.name === argName);
        const value = argDef ? argument(sel, argName, argDef.type) : undefined;
        if (typeof value === 'string') {
          scope = name;
          tags.add(name === 'report' ? reportTag(value) : itemTag(value));
        }
      }
      if (scope === 'lists') tags.add(LISTS);
      if (sel.selectionSet && !walk(sel.selectionSet, getNamedType(def.type), scope, new Set(seen))) return false;
    }
    return true;
  };

  return rootFields(operation.selectionSet, new Set()) ? { tags } : null;
}
