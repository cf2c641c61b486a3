// Over 250 lines on purpose: every limit an operation meets before it runs (tokens, depth, aliases,
// directives, introspection, cost, response size) is defined here, so both transports enforce one list
// and the README's limits table has one source.
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  getNamedType,
  getNullableType,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  isListType,
  isObjectType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  SingleFieldSubscriptionsRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { DIGEST_CAPS } from '../ingest/caps';
import { MAX_BUCKETS } from '../modules/entities/entity-trends.service';
import { MAX_HIGHLIGHTS, MAX_MATCHES } from '../modules/search/highlights';
import { ApiError, ErrorCode } from './errors';

/**
 * The limits every operation must fit, on HTTP and WebSocket alike. Depth, aliases and
 * directives are validation rules (graphql-armor), tokens a parser limit (graphql-js), cost our
 * own estimate below (it needs the variables, so it runs once the operation is known).
 */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  /** Largest serialised result of one query or mutation, in bytes: the backstop for long texts the cost does not count. */
  maxResponseBytes: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 8, maxAliases: 15, maxDirectives: 10, maxTokens: 1000, maxCost: 10_000, maxResponseBytes: 4 * 1024 * 1024 };

/** An error naming the limit, with the code of the phase it belongs to. */
export function limitError(limit: keyof QueryLimits, message: string, extra: Record<string, unknown> = {}): ApiError {
  const code = limit === 'maxTokens' ? ErrorCode.GRAPHQL_PARSE_FAILED : ErrorCode.GRAPHQL_VALIDATION_FAILED;
  return new ApiError(code, message, { limit, ...extra });
}

/** graphql-armor reports through callbacks; its messages start "Syntax Error:", which these are not. */
const reportAs =
  (limit: keyof QueryLimits) =>
  (context: ValidationContext | null, err: GraphQLError): void =>
    context?.reportError(limitError(limit, err.message.replace(/^Syntax Error: /, '')));

export function limitRules(limits: QueryLimits): ValidationRule[] {
  const common = { exposeLimits: true, propagateOnRejection: false } as const;
  return [
    maxDepthRule({ ...common, n: limits.maxDepth, flattenFragments: true, onReject: [reportAs('maxDepth')] }),
    maxAliasesRule({ ...common, n: limits.maxAliases, onReject: [reportAs('maxAliases')] }),
    maxDirectivesRule({ ...common, n: limits.maxDirectives, onReject: [reportAs('maxDirectives')] }),
  ];
}

/**
 * Every validation rule beyond graphql-js's own, for both transports: the limits, and no
 * introspection (`__schema`, `__type`) when it is off. Apollo and the WebSocket's DocumentCache
 * get this one list, so a document valid on one transport is valid on the other.
 */
export function operationRules(limits: QueryLimits, options: { introspection: boolean }): ValidationRule[] {
  return [StandInRule, ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]), ...limitRules(limits)];
}

/**
 * The most elements a list without `first` can hold: the digest caps that ingestion enforces
 * (src/ingest/caps.ts), a timeline's buckets, a search hit's highlights and their ranges. Lists not named here (admin lists of keys, webhooks, batches) count
 * LIST_SIZE_ESTIMATE; tests/unit/graphql/cost.test.ts keeps every other list of the schema named.
 */
export const LIST_MAXIMA: Readonly<Record<string, number>> = {
  'Report.sections': DIGEST_CAPS.sectionsPerReport,
  'Report.items': DIGEST_CAPS.itemsPerReport,
  'Section.items': DIGEST_CAPS.itemsPerSection,
  'Section.sources': DIGEST_CAPS.sourcesPerSection,
  'Item.entities': DIGEST_CAPS.entitiesPerItem,
  'Item.sources': DIGEST_CAPS.sourcesPerItem,
  'Item.extra': DIGEST_CAPS.extraBlocksPerItem,
  'Entity.timeline': MAX_BUCKETS,
  'SearchEdge.highlights': MAX_HIGHLIGHTS,
  'Highlight.matches': MAX_MATCHES,
};
export const LIST_SIZE_ESTIMATE = 10;
const DEFAULT_PAGE = 20;

/**
 * What an operation may cost: each object it can return counts 1, scalars 0. A connection with
 * `first` holds `first` edges (its default when absent), as does a list that takes `first`
 * (Item.related, trendingEntities), both at most `maxPage`; any other list its maximum (LIST_MAXIMA);
 * the items of a report's sections together hold at most a report's items. Arguments are read
 * as execution will read them: variables coerced, their defaults and the fields' defaults
 * applied. So 16 aliases of a page, or a page of entities each with a page of items, cost what
 * they can make the server do. Introspection costs nothing.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Record<string, unknown> | null,
  maxPage = Number.POSITIVE_INFINITY,
): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  // Variables that do not coerce fail the operation before it runs: estimate with them as sent.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  const values = coerced.coerced ?? variables ?? {};

  /**
   * `page`: the `first` of the connection this selection set belongs to, for its `edges`/`nodes` list.
   * `sections`: how many sections of one report this selection set stands for, when it is reached
   * through `Report.sections` (their items share the report's cap).
   */
  const costOf = (type: GraphQLNamedType, set: SelectionSetNode, page: number | null, sections: number | null): number => {
    let cost = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(s.name.value);
        const t = f && schema.getType(f.typeCondition.name.value);
        if (f && t) cost += costOf(t, f.selectionSet, page, sections);
        continue;
      }
      if (s.kind === Kind.INLINE_FRAGMENT) {
        const t = s.typeCondition ? schema.getType(s.typeCondition.name.value) : type;
        if (t) cost += costOf(t, s.selectionSet, page, sections);
        continue;
      }
      if (s.name.value.startsWith('__') || !isObjectType(type) || !s.selectionSet) continue;
      const field = type.getFields()[s.name.value];
      if (!field) continue;
      const child = getNamedType(field.type);
      const key = `${type.name}.${field.name}`;
      if (field.args.some((a) => a.name === 'first')) {
        const n = firstOf(field, s, values, maxPage);
        // A list that takes `first` itself (related items, trending entities) holds `first` objects;
        // a connection holds one, whose edges/nodes hold `first`.
        if (isListType(getNullableType(field.type))) cost += n * (1 + costOf(child, s.selectionSet, null, null));
        else cost += 1 + costOf(child, s.selectionSet, n, null);
      } else if (isListType(getNullableType(field.type))) {
        let n = page ?? LIST_MAXIMA[key] ?? LIST_SIZE_ESTIMATE;
        if (key === 'Section.items' && sections !== null) n = Math.min(n, DIGEST_CAPS.itemsPerReport / sections);
        cost += n * (1 + costOf(child, s.selectionSet, null, key === 'Report.sections' ? n : null));
      } else {
        cost += 1 + costOf(child, s.selectionSet, null, null);
      }
    }
    return cost;
  };
  // Shares of a report's items are fractions: round up, past floating-point noise.
  return Math.ceil(costOf(root, operation.selectionSet, null, null) - 1e-9);
}

/**
 * A list's `first` as its resolver will get it, at most `maxPage` (a larger one is refused at
 * execution); arguments that do not coerce fail at execution.
 */
function firstOf(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>, maxPage: number): number {
  let value: unknown;
  try {
    value = getArgumentValues(field, node, variables).first;
  } catch {
    value = undefined;
  }
  return Math.min(typeof value === 'number' && value >= 0 ? value : DEFAULT_PAGE, maxPage);
}

export function costError(cost: number, maxCost: number): ApiError {
  return limitError('maxCost', `Query cost limit of ${maxCost} exceeded, found ${cost}.`, { cost, maxCost });
}

/** The one error a result over `maxResponseBytes` is replaced with (nothing of it is sent). */
export function responseTooLargeError(size: number, maxResponseBytes: number): ApiError {
  return new ApiError(ErrorCode.RESPONSE_TOO_LARGE, `Response size limit of ${maxResponseBytes} bytes exceeded (the result was ${size} bytes): ask for fewer fields, items or aliases.`, {
    limit: 'maxResponseBytes',
    maxResponseBytes,
    size,
  });
}

/** graphql-js's parse error for the token limit, said like the other limits. */
export function tokenLimitMessage(message: string, maxTokens: number): string | null {
  return /contains more (?:than|that) \d+ tokens/.test(message) ? `Token limit of ${maxTokens} exceeded.` : null;
}

/**
 * "Did you mean …?" names schema members the client did not ask about: cut in production, by the
 * one error formatter (format-error.ts), from validation and variable errors on both transports.
 */
export function hideSuggestions(message: string): string {
  return message.replace(/ ?Did you mean (.+)\?$/, '');
}

/**
 * graphql-js's `validate` throws (rather than reports) for some invalid documents: its
 * single-root-field rule collects a subscription's root fields without variable values, and a
 * non-null variable in `@skip` or `@include` there throws. The client's document is at fault, not
 * the server: it gets a validation error (not a 4500 close, not a 500).
 */
function thrownValidationError(err: unknown): GraphQLError {
  if (!(err instanceof GraphQLError)) throw err;
  return new ApiError(ErrorCode.GRAPHQL_VALIDATION_FAILED, `${err.message} (@skip and @include on a subscription's root field are decided without its variables)`, {}, { nodes: err.nodes });
}

/** graphql-js's `validate`, with what it throws returned as a validation error. */
function validateDocument(schema: GraphQLSchema, document: DocumentNode, rules: readonly ValidationRule[]): readonly GraphQLError[] {
  try {
    return validate(schema, document, rules);
  } catch (err) {
    return [thrownValidationError(err)];
  }
}

/** Stand-in documents (standInIfThrowing) and the error each reports. */
const standIns = new WeakMap<DocumentNode, GraphQLError>();

/**
 * For a transport that validates without catching (Apollo runs graphql-js's `validate` itself): a
 * stand-in document that fails validation with the error validating `document` would throw (the
 * rule below reports it), or null when validating it does not throw. Only a subscription can.
 */
export function standInIfThrowing(schema: GraphQLSchema, document: DocumentNode): DocumentNode | null {
  if (!document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'subscription')) return null;
  try {
    validate(schema, document, [SingleFieldSubscriptionsRule]);
    return null;
  } catch (err) {
    const standIn = parse('{ __typename }');
    standIns.set(standIn, thrownValidationError(err));
    return standIn;
  }
}

/** Reports the error a stand-in document stands for (one of operationRules). */
const StandInRule: ValidationRule = (context) => ({
  Document(node) {
    const error = standIns.get(node);
    if (error) context.reportError(error);
  },
});

export interface PreparedDocument {
  document: DocumentNode;
  /**
   * The text it was prepared from: the first of equal texts, the one the cache keeps (a caller
   * that holds a text for long keeps this one, not a copy per request).
   */
  text: string;
}

/**
 * Parses and validates documents with the limits, remembering the outcome per query text: five
 * thousand subscribers sending the same subscription share one parsed document.
 */
export class DocumentCache {
  private readonly cache = new Map<string, PreparedDocument | { errors: readonly GraphQLError[] }>();
  private readonly rules: ValidationRule[];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: QueryLimits,
    private readonly options: { introspection: boolean; maxEntries?: number },
  ) {
    this.rules = [...specifiedRules, ...operationRules(limits, options)];
  }

  prepare(query: string): PreparedDocument | { errors: readonly GraphQLError[] } {
    const hit = this.cache.get(query);
    if (hit) {
      // Most recently used last: the oldest entry goes first when the cache is full.
      this.cache.delete(query);
      this.cache.set(query, hit);
      return hit;
    }
    const prepared = this.compile(query);
    this.cache.set(query, prepared);
    if (this.cache.size > (this.options.maxEntries ?? 1000)) this.cache.delete(this.cache.keys().next().value!);
    return prepared;
  }

  private compile(query: string): PreparedDocument | { errors: readonly GraphQLError[] } {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.limits.maxTokens });
    } catch (err) {
      const e = err as GraphQLError;
      const tokens = tokenLimitMessage(e.message, this.limits.maxTokens);
      return {
        errors: [
          tokens
            ? limitError('maxTokens', tokens)
            : new ApiError(ErrorCode.GRAPHQL_PARSE_FAILED, e.message, {}, { nodes: e.nodes, source: e.source, positions: e.positions }),
        ],
      };
    }
    const errors = validateDocument(this.schema, document, this.rules);
    if (errors.length === 0) return { document, text: query };
    return {
      errors: errors.map((e) => new ApiError((e.extensions.code as ErrorCode | undefined) ?? ErrorCode.GRAPHQL_VALIDATION_FAILED, e.message, e.extensions, { nodes: e.nodes })),
    };
  }
}
