import type { Db } from '../db/client';
import type { EventHub } from '../realtime/event-hub';
import type { EventRecord, LogPosition } from '../modules/events/events.repository';
import type { Loaders } from '../modules/loading/loaders';
import type { Scope } from '../modules/auth/api-keys';
import type { SsrfPolicy } from '../delivery/ssrf';

/** What every resolver gets: built per HTTP request, per subscription event on WebSocket. */
export interface GraphQLContext {
  db: Db;
  /** Per request; a subscription event's execution gets its event's shared snapshot instead. */
  loaders: Loaders;
  limits: { maxPageSize: number };
  requestId: string;
  auth: Auth;
  /** The caller's address (the rate limit's subject for callers without a key). */
  ip: string | null;
  /** Which webhook URLs may be registered (SSRF guard). */
  webhookPolicy: SsrfPolicy;
  realtime: RealtimeContext;
}

export interface Auth {
  /** Who is calling, for logs and metrics: "anonymous", "publish-token" or "key:<name>". */
  principal: string;
  /** The API key's id, when the caller used one. */
  keyId: string | null;
  scopes: readonly Scope[];
}

export interface RealtimeContext {
  hub: EventHub;
  retentionMs: number;
  queueMax: number;
  /**
   * Where a subscription reads the log from, when set: after a position (it replays from there),
   * or null for the live head; its `after` argument is then not read (a subscription group's
   * reader, a member that left its group). Unset: after `after`, else the live head.
   */
  startAt?: LogPosition | null;
  /** A subscription group's reader: the events any of its members wants (each member filters its own). */
  wants?: (e: EventRecord) => boolean;
  /**
   * The subscriber's end of the stream, given by the transport that carries subscriptions (the
   * WebSocket adapter); absent where there is none (HTTP). Realtime knows no socket: only this.
   */
  sink?: SubscriptionSink;
}

/** What the realtime side may ask of whatever carries a subscription to its client. */
export interface SubscriptionSink {
  /**
   * Whether the subscriber has data it has not taken yet: a consumer that takes nothing while
   * this is false is held up by the server, not stalled (see the hub's slow-consumer rules).
   */
  backedUp(): boolean;
  /** The subscriber fell too far behind: end its connection as a slow consumer (it resumes with its last cursor). */
  slowConsumer(): void;
  /**
   * End the subscriber's connection with a resumable code: an event could not be executed because
   * the database stayed unavailable (the client resumes with its last cursor and gets it then).
   */
  unavailable(): void;
}
