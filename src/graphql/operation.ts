import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema, type ParseOptions, type ValidationRule } from 'graphql';
import type { Db } from '../db/client';
import type { Logger } from '../observability/logger';
import { authenticate, requireScope, type AuthConfig } from '../modules/auth/auth.service';
import { charge, rateLimitedError, type RateDecision, type RateLimitConfig } from '../modules/ratelimit/rate-limit';
import type { SsrfPolicy } from '../delivery/ssrf';
import type { Auth, GraphQLContext, RealtimeContext } from './context';
import { ApiError, databaseUnavailable, ErrorCode, invalidCredential } from './errors';
import { formatError, isDatabaseUnavailable } from './format-error';
import { costError, DocumentCache, operationCost, operationRules, tokenLimitMessage, type PreparedDocument, type QueryLimits } from './limits';
import { runWithRequestId } from './request-scope';
import { RequestContext, type SharedContext } from './request-context';
import { unstorableTextError } from './unstorable-text';

/**
 * The operation core: every way in (Apollo over HTTP, graphql-ws, and whatever comes next) takes
 * a request through these steps, in this order, with these functions:
 *
 *   parse → validate (limits)      rules/parseOptions (Apollo), prepare (a document cache)
 *   authenticate                   authenticate(credential)
 *   authorize → cost → charge      admit(request): read scope, unstorable text, cost limit, rate limit
 *                                  (admitRead: read scope and charge for a read with no document, a feed)
 *   context                        context(request, realtime)
 *   execute / subscribe            the adapter (Apollo, graphql-ws)
 *   format                         format / formatResult: the one error formatter
 *
 * Nothing here knows a transport: refusals are coded errors (ApiError), and the adapter turns
 * them into its own terms (an HTTP status and headers, a close code or an `error` message).
 */
export interface OperationCoreOptions {
  schema: GraphQLSchema;
  db: Db;
  log: Logger;
  auth: AuthConfig;
  /** Cost points per minute per key and per anonymous IP; null: no rate limits. */
  rateLimits: RateLimitConfig | null;
  limits: QueryLimits;
  maxPageSize: number;
  webhookPolicy: SsrfPolicy;
  /** Whether `__schema` and `__type` may be queried. */
  introspection: boolean;
  /** Cut "Did you mean …?" suggestions from errors (production). */
  hideSuggestions: boolean;
}

/** One operation as every transport sees it once parsed. */
export interface OperationRequest {
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  auth: Auth;
  /** The caller's address: the rate limit's subject for callers without a key. */
  ip: string | null;
}

/** The outcome of authorization, cost and the rate-limit charge. `rate`: the charge's decision, when one was taken. */
export type Admission = { admitted: true; cost: number; rate: RateDecision | null } | { admitted: false; error: ApiError; rate: RateDecision | null };

/** Who is calling, or why the credential is refused (UNAUTHENTICATED, or DATABASE_UNAVAILABLE when it could not be checked). */
export type Authentication = { auth: Auth } | { error: ApiError };

/**
 * The checks before anything is charged, pure: the read scope (queries and subscriptions; a
 * mutation checks its own scope in its resolver), text no column can hold, then the cost limit.
 * The operation's cost, or the first refusal.
 */
export function checkOperation(schema: GraphQLSchema, request: OperationRequest, limits: Pick<QueryLimits, 'maxCost'>, maxPageSize: number): { cost: number } | { error: ApiError } {
  const operation = getOperationAST(request.document, request.operationName);
  const unread = operation && operation.operation !== 'mutation' ? readScopeError(request.auth, 'reading') : null;
  if (unread) return { error: unread };
  const unstorable = unstorableTextError(request.document, request.operationName, request.variables);
  if (unstorable) return { error: unstorable };
  const cost = operationCost(schema, request.document, request.operationName, request.variables, maxPageSize);
  if (cost > limits.maxCost) return { error: costError(cost, limits.maxCost) };
  return { cost };
}

/** The refusal of a read to a caller without the read scope (UNAUTHENTICATED or FORBIDDEN), or null. */
function readScopeError(auth: Auth, what: string): ApiError | null {
  try {
    requireScope(auth, 'read', what);
    return null;
  } catch (err) {
    return err as ApiError;
  }
}

/**
 * graphql-js's own request errors carry no code outside Apollo: an error outside field execution
 * (no path) caused by nothing but graphql-js itself is a variable that failed coercion, the
 * client's to fix (BAD_USER_INPUT). Everything else keeps its own treatment: errors with a path (a
 * resolver's, or a null for a non-null field) are masked by the formatter unless coded.
 */
export function requestErrorCode(e: GraphQLError): GraphQLError {
  const cause = e.originalError;
  if (e.path || e.extensions?.code || (cause && !(cause instanceof GraphQLError))) return e;
  return new ApiError(ErrorCode.BAD_USER_INPUT, e.message, e.extensions, { nodes: e.nodes });
}

/** graphql-js's parse error for the token limit, said like the other limits. */
export function withTokenLimit(formatted: GraphQLFormattedError, maxTokens: number): GraphQLFormattedError {
  const tokens = formatted.extensions?.code === ErrorCode.GRAPHQL_PARSE_FAILED ? tokenLimitMessage(formatted.message, maxTokens) : null;
  return tokens ? { ...formatted, message: tokens, extensions: { ...formatted.extensions, limit: 'maxTokens' } } : formatted;
}

export class OperationCore {
  readonly schema: GraphQLSchema;
  readonly limits: QueryLimits;
  /** Validation rules beyond graphql-js's own, for an adapter that validates itself (Apollo). */
  readonly rules: ValidationRule[];
  readonly parseOptions: ParseOptions;
  private readonly documents: DocumentCache;
  private readonly formatter: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

  constructor(private readonly options: OperationCoreOptions) {
    this.schema = options.schema;
    this.limits = options.limits;
    this.rules = operationRules(options.limits, { introspection: options.introspection });
    this.parseOptions = { maxTokens: options.limits.maxTokens };
    this.documents = new DocumentCache(options.schema, options.limits, { introspection: options.introspection });
    this.formatter = formatError(options.log, { hideSuggestions: options.hideSuggestions });
    this.shared = { limits: { maxPageSize: options.maxPageSize }, webhookPolicy: options.webhookPolicy };
  }

  /** Parse and validate (with the limits) a query text, once per distinct text: the document, or coded errors. */
  prepare(query: string): PreparedDocument | { errors: readonly GraphQLError[] } {
    return this.documents.prepare(query);
  }

  /**
   * `credential`: "Bearer <token>" as sent, undefined for none (anonymous), 'invalid' for one the
   * transport already knows is malformed. The database being unavailable is a refusal, not a throw.
   */
  async authenticate(credential: string | undefined | 'invalid', requestId?: string): Promise<Authentication> {
    if (credential === 'invalid') return { error: invalidCredential() };
    let auth: Auth | 'invalid';
    try {
      auth = await authenticate(credential, this.options.auth);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      this.options.log.warn({ err, ...(requestId ? { requestId } : {}) }, 'database unavailable');
      return { error: databaseUnavailable() };
    }
    return auth === 'invalid' ? { error: invalidCredential() } : { auth };
  }

  /**
   * Read scope, unstorable text and cost limit (checkOperation), then the operation's cost taken
   * from its caller's rate-limit bucket. A database failure while charging is thrown: each
   * transport says "retry" its own way.
   */
  async admit(request: OperationRequest): Promise<Admission> {
    const checked = checkOperation(this.schema, request, this.limits, this.options.maxPageSize);
    if ('error' in checked) return { admitted: false, error: checked.error, rate: null };
    return this.chargeFor(request.auth, request.ip, checked.cost, 'operation');
  }

  /**
   * The same admission for a read that is no GraphQL document (a feed): the read scope, then
   * `cost` from the caller's bucket. `what` names it in refusals ("reading a feed needs …", "this
   * feed costs …"). A database failure while charging is thrown, as in `admit`.
   */
  async admitRead(auth: Auth, ip: string | null, cost: number, what: string): Promise<Admission> {
    const unread = readScopeError(auth, `reading a ${what}`);
    if (unread) return { admitted: false, error: unread, rate: null };
    return this.chargeFor(auth, ip, cost, what);
  }

  /** The operation's cost in points (the rate limit's charge), as `admit` computes it. */
  cost(request: Pick<OperationRequest, 'document' | 'operationName' | 'variables'>): number {
    return operationCost(this.schema, request.document, request.operationName, request.variables, this.options.maxPageSize);
  }

  /**
   * The charge alone, for an operation this caller's scope was already admitted for with the same
   * document and variables (a response-cache hit: same key, same scope, same cost). A database
   * failure while charging is thrown, as in `admit`.
   */
  chargeAgain(auth: Auth, ip: string | null, cost: number): Promise<Admission> {
    return this.chargeFor(auth, ip, cost, 'operation');
  }

  /** `cost` taken from the bucket of the caller (its key, else its address); refused when it cannot pay. */
  private async chargeFor(auth: Auth, ip: string | null, cost: number, what: string): Promise<Admission> {
    const rate = await charge(this.options.db, this.options.rateLimits, auth, ip, cost);
    if (rate && !rate.granted) return { admitted: false, error: rateLimitedError(rate, Math.max(1, cost), what), rate };
    return { admitted: true, cost, rate };
  }

  /**
   * The one GraphQL context builder. `realtime` is the transport's (a subscription sink over
   * WebSocket). Its loaders are made on first use, and its request id when it is first read
   * (when none is given): a grouped subscription never executes with its own context, and
   * 20,000 idle subscribers each keep one.
   */
  context(request: { requestId?: string; auth: Auth; ip: string | null }, realtime: RealtimeContext): GraphQLContext {
    return new RequestContext(this.options.db, this.shared, request.requestId ?? null, request.auth, request.ip, realtime);
  }

  /** What every context shares. */
  private readonly shared: SharedContext;

  /** The one error formatter: expected errors as they are, the rest logged and masked. */
  readonly format = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => this.formatter(withTokenLimit(formatted, this.limits.maxTokens), error);

  /**
   * Errors that refuse an operation before it runs (graphql-ws `error` messages), through the
   * formatter: an uncoded one that wraps nothing is graphql-js's validation (the code Apollo gives it).
   */
  readonly formatRefusals = (errors: readonly GraphQLError[], requestId: string): GraphQLFormattedError[] =>
    runWithRequestId(requestId, () =>
      errors.map((e) => {
        const coded = e.originalError || e.extensions?.code ? e : new ApiError(ErrorCode.GRAPHQL_VALIDATION_FAILED, e.message, e.extensions, { nodes: e.nodes });
        return this.format(coded.toJSON() as GraphQLFormattedError, coded);
      }),
    );

  /**
   * A result with its errors through the formatter, for a transport that sends ExecutionResults
   * (graphql-ws). Masked errors carry the operation's request id, as over HTTP.
   */
  readonly formatResult = (result: ExecutionResult, requestId: string): ExecutionResult => {
    const errors = result.errors;
    if (!errors) return result;
    return runWithRequestId(requestId, () => {
      const formatted = errors.map(requestErrorCode).map((e) => this.format(e.toJSON() as GraphQLFormattedError, e));
      return { ...result, errors: formatted.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions })) };
    });
  };
}
