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
  /** Closes the caller's connection (WebSocket) when it falls too far behind. */
  onSlowConsumer: () => void;
  /** Whether the caller's connection has data it has not taken yet. */
  isBackedUp: () => boolean;
  /** Where a subscription without `after` starts reading the log (default: the live head). */
  startAt?: LogPosition | null;
  /**
   * Closes the caller's connection with a resumable code: an event could not be executed because
   * the database stayed unavailable (the client resumes with its last cursor and gets it then).
   */
  onUnavailable: () => void;
  /** A subscription group's reader: the events any of its members wants (each member filters its own). */
  wants?: (e: EventRecord) => boolean;
  /** graphql-ws only: writes this subscription's `next` messages straight to its socket (see socket-send). */
  direct?: DirectSender;
}

/** Sends already-serialised results as `next` messages of one subscription. */
export interface DirectSender {
  /** Writes one `next` message per result, in one socket write; true when the socket is now backed up. */
  send(jsons: readonly string[]): boolean;
}
