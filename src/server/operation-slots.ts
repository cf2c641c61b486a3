import { ApiError, ErrorCode } from '../graphql/errors';

/** How many operations (subscriptions, and queries in flight) one socket, and one client over all its sockets, may run at once. */
export interface SubscriptionCaps {
  /** Per WebSocket connection (MAX_SUBSCRIPTIONS_PER_SOCKET). */
  perSocket: number;
  /** Per API key, or per IP for callers without one, over all their sockets on this process (MAX_SUBSCRIPTIONS_PER_CLIENT). */
  perClient: number;
}

export const DEFAULT_SUBSCRIPTION_CAPS: SubscriptionCaps = { perSocket: 100, perClient: 1000 };

/**
 * The operations each socket and each client run, counted so that a socket cannot start
 * thousands of subscriptions (each a log reader, queues, a rate-limit charge). A slot is taken
 * synchronously when the subscribe message arrives, before anything is awaited, so a burst of
 * subscribes is counted in order; it is given back when the operation completes or its socket closes.
 */
export class OperationSlots<Socket extends object> {
  /** Per socket, its client and the ids holding its slots (an array: at most `perSocket`, usually one). */
  private readonly sockets = new Map<Socket, { client: string; ids: string[] }>();
  private readonly clients = new Map<string, number>();

  constructor(private readonly caps: SubscriptionCaps) {}

  /** Takes a slot for operation `id`; the error to answer with when a cap is reached. */
  take(socket: Socket, client: string, id: string): ApiError | null {
    const held = this.sockets.get(socket) ?? { client, ids: [] };
    if (held.ids.length >= this.caps.perSocket) {
      return capError('maxSubscriptionsPerSocket', this.caps.perSocket, 'this connection');
    }
    const count = this.clients.get(client) ?? 0;
    if (count >= this.caps.perClient) {
      return capError('maxSubscriptionsPerClient', this.caps.perClient, client.startsWith('ip:') ? 'this IP address' : 'this API key');
    }
    held.ids.push(id);
    this.sockets.set(socket, held);
    this.clients.set(client, count + 1);
    return null;
  }

  release(socket: Socket, id: string): void {
    const held = this.sockets.get(socket);
    const at = held ? held.ids.indexOf(id) : -1;
    if (at < 0) return;
    held!.ids.splice(at, 1);
    this.giveBack(held!.client, 1);
  }

  releaseAll(socket: Socket): void {
    const held = this.sockets.get(socket);
    if (!held) return;
    this.sockets.delete(socket);
    this.giveBack(held.client, held.ids.length);
  }

  /** Operations running over every socket. */
  count(): number {
    let n = 0;
    for (const c of this.clients.values()) n += c;
    return n;
  }

  private giveBack(client: string, n: number): void {
    const left = (this.clients.get(client) ?? 0) - n;
    if (left > 0) this.clients.set(client, left);
    else this.clients.delete(client);
  }
}

function capError(limit: 'maxSubscriptionsPerSocket' | 'maxSubscriptionsPerClient', max: number, who: string): ApiError {
  return new ApiError(ErrorCode.TOO_MANY_SUBSCRIPTIONS, `too many subscriptions: ${who} may run at most ${max} operations at once (limit ${limit}); complete one before starting another`, { limit, max });
}
