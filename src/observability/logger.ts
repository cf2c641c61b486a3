import pino, { type Logger } from 'pino';

export type { Logger };

/** The one logger: JSON lines on stdout, one child per request with its request id. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'digestql' }, timestamp: pino.stdTimeFunctions.isoTime });
}
