import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A private Postgres cluster (initdb + pg_ctl in a temporary directory, on a free port) that a test
 * may restart at will: the machine's shared server must never be restarted by a test.
 */
export interface PrivateCluster {
  /** postgres:// URL of the `postgres` database (user postgres, trust authentication). */
  url: string;
  /** `pg_ctl restart` and wait until it accepts connections again. */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  stop(): Promise<void>;
}

function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) ?? null;
}

async function postgresIds(): Promise<{ uid: number; gid: number } | null> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return null;
  }
}

/** Why a private cluster cannot be started here, or null when it can. */
export function privateClusterUnavailable(): string | null {
  if (!binDir()) return 'no Postgres server binaries (initdb, pg_ctl) under /usr/lib/postgresql';
  if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/runuser')) return 'needs root and runuser to run initdb and pg_ctl as the postgres user';
  return null;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const bin = binDir()!;
  const ids = await postgresIds();
  if (!ids) throw new Error('no postgres user on this machine');
  const dir = mkdtempSync(join(tmpdir(), 'digestql-pg-'));
  chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, 'data');
  const asPostgres = (cmd: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { timeout: 60_000 });
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', ...args]);
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // fsync off: a test cluster, restarted, never crashed by the OS.
  await pgCtl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`, 'start');
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async (mode = 'fast') => {
      await pgCtl('-m', mode, 'restart');
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pgCtl('-m', 'immediate', 'stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
