import { loadEnv } from '../config/env';
import { startServer } from '../main';
import { createLogger } from '../observability/logger';

/** `digestql serve`: runs until SIGTERM or SIGINT, then shuts down (at most 10 s). */
export async function serve(): Promise<number> {
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL);
  const running = await startServer(env, log);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      // Whatever happens, the process is gone within 10 s.
      setTimeout(() => process.exit(1), 10_000).unref();
      running.stop().then(resolve, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
