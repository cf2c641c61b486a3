import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client';
import type { SsrfPolicy } from '../delivery/ssrf';
import { createLoaders, type Loaders } from '../modules/loading/loaders';
import type { Auth, GraphQLContext, RealtimeContext } from './context';

/** What every context of one API shares: one object, not a copy per request. */
export interface SharedContext {
  limits: { maxPageSize: number };
  webhookPolicy: SsrfPolicy;
}

/**
 * A GraphQL context (the operation core's `context`). A class, with what is computed on first use
 * on its prototype: an idle subscription keeps its context for as long as it runs, and 20,000 of
 * them are 20,000 contexts (bench/RESULTS.md). Derive one with `derivedContext`, never by spreading
 * it (a spread drops the prototype's accessors).
 */
export class RequestContext implements GraphQLContext {
  private made: Loaders | null = null;

  constructor(
    readonly db: Db,
    private readonly shared: SharedContext,
    private id: string | null,
    readonly auth: Auth,
    readonly ip: string | null,
    public realtime: RealtimeContext,
  ) {}

  /** Per request, made on first use; a subscription event's execution gets its event's shared snapshot instead. */
  get loaders(): Loaders {
    return (this.made ??= createLoaders(this.db));
  }

  set loaders(value: Loaders) {
    this.made = value;
  }

  /** The transport's, or one made when first read. */
  get requestId(): string {
    return (this.id ??= randomUUID());
  }

  get limits(): { maxPageSize: number } {
    return this.shared.limits;
  }

  get webhookPolicy(): SsrfPolicy {
    return this.shared.webhookPolicy;
  }
}

/**
 * The same context with some parts replaced, without copying it: it reads everything else from
 * `ctx` (a spread would drop a RequestContext's accessors).
 */
export function derivedContext(ctx: GraphQLContext, parts: Partial<Pick<GraphQLContext, 'loaders' | 'realtime'>>): GraphQLContext {
  const derived = Object.create(ctx) as GraphQLContext;
  for (const [key, value] of Object.entries(parts)) Object.defineProperty(derived, key, { value, writable: true, enumerable: true });
  return derived;
}
