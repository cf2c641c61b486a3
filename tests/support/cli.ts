import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, onRealPostgres, type TestDatabase } from './db';

export const ROOT = resolve(__dirname, '../..');
/**
 * The CLI runs from source in one node process with tsx's loader (not through tsx's own CLI, which
 * runs node as a child: a SIGKILL would stop the parent and leave the real process running).
 */
const FROM_SOURCE = ['--import', 'tsx', resolve(ROOT, 'src/cli.ts')];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A bound for a test that runs the CLI a few times: each run is a fresh node process that loads the
 * sources through tsx and opens (and migrates) a database, 2-5 s on an idle machine and up to ~40 s
 * on a busy 2-core one (a full test run beside a benchmark). Generous, so a loaded machine is slow,
 * not red; a hung CLI still fails through runCli's own per-run timeout.
 */
export const CLI_TEST_TIMEOUT_MS = 300_000;

/** Runs the real `digestql` CLI (from source, through tsx) in a child process. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...FROM_SOURCE, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`digestql ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

export interface ServeProcess {
  url: string;
  output: () => string;
  /** Resolves with the exit code once the process has exited, whatever made it exit. */
  exited: Promise<number | null>;
  /** Sends a signal and resolves with the exit code and how long the exit took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/** Starts `digestql serve` on a free port and waits for it to say where it listens. */
export function startServeProcess(env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<ServeProcess> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...FROM_SOURCE, 'serve'], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`serve did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('digestql is serving'));
      if (line) {
        clearTimeout(timer);
        const url = (JSON.parse(line) as { url: string }).url.replace(/\/graphql$/, '');
        done({
          url,
          output: () => out,
          exited,
          stop: async (signal = 'SIGTERM') => {
            const started = Date.now();
            child.kill(signal);
            const code = await exited;
            return { code, ms: Date.now() - started };
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code} before listening:\n${out}`));
    });
  });
}

export interface CliDatabase {
  /** A temporary directory, removed after the file's tests. */
  dir: string;
  /** The environment that points the CLI at the database. */
  env: Record<string, string>;
  /** The real Postgres test database, when TEST_DATABASE_URL is set. */
  testDb: TestDatabase | undefined;
}

/**
 * The database CLI processes of one test file work on: a fresh Postgres database when
 * TEST_DATABASE_URL is set, else an embedded one in a temporary directory (no example digests).
 * Filled in beforeAll, removed in afterAll.
 */
export function cliDatabase(prefix: string): CliDatabase {
  const ctx = { env: {} } as CliDatabase;
  beforeAll(async () => {
    ctx.dir = mkdtempSync(join(tmpdir(), `digestql-${prefix}-`));
    ctx.testDb = onRealPostgres ? await createTestDatabase() : undefined;
    ctx.env = ctx.testDb ? { DATABASE_URL: ctx.testDb.url! } : { DATA_DIR: join(ctx.dir, 'data'), SEED_EXAMPLES: 'false' };
  });
  afterAll(async () => {
    await ctx.testDb?.dispose();
    rmSync(ctx.dir, { recursive: true, force: true });
  });
  return ctx;
}
