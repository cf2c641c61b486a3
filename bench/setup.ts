import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import postgres from 'postgres';

/** The project's root: benchmark children run there. */
export const ROOT = resolve(__dirname, '..');

/** A node child process in the project root, its stdout drained, its stderr shown. */
export function child(cmd: string[], env: Record<string, string>): ChildProcess {
  const c = spawn(process.execPath, cmd, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  c.stdout!.resume();
  return c;
}

/** Waits until `url` answers 2xx (a child server is up). */
export async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

/** A process's resident memory, in bytes. */
export const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A free loopback port for a child server. */
export const freePort = (): Promise<number> =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });

/** Drops and recreates a benchmark database on the admin server; returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Refuses a subscriber count that does not fit the open-files limit: each subscriber is a socket
 * in the benchmark and one in the server, and both need room for their other files too.
 */
export function checkOpenFiles(subscribers: number): void {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  const limit = !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  if (subscribers + 100 > limit) {
    throw new Error(`BENCH_SUBSCRIBERS=${subscribers} needs ${subscribers + 100} open files per process; the limit is ${limit} (raise it with \`ulimit -n\` up to the hard limit, \`ulimit -Hn\`, or use fewer subscribers)`);
  }
}
