import { AsyncLocalStorage } from 'node:async_hooks';

/** The request id of the operation being served, readable by the logger and the error formatter. */
const scope = new AsyncLocalStorage<{ requestId: string }>();

export const runWithRequestId = <T>(requestId: string, fn: () => T): T => scope.run({ requestId }, fn);
export const currentRequestId = (): string | undefined => scope.getStore()?.requestId;
