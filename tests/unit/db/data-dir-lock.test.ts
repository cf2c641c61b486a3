import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, lockDataDir } from '../../../src/db/data-dir-lock';

describe('the embedded data directory is one process\'s', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'digestql-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second opener while the first holds it, naming the process and what to do', () => {
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'digestql.pid'), 'utf8').trim()).toBe(String(process.pid));
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(`is open in another process (pid ${process.pid}`);
    release();
    expect(existsSync(join(dir, 'digestql.pid'))).toBe(false);
    lockDataDir(dir)();
  });

  it('takes over a lock with its own pid that it does not hold (a restarted container\'s server is pid 1 again)', () => {
    writeFileSync(join(dir, 'digestql.pid'), `${process.pid}\n`);
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    release();
  });

  it('takes over a lock left by a process that is gone', () => {
    // A pid that existed and has exited: a child that ran and ended.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, 'digestql.pid'), `${gone}\n`);
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'digestql.pid'), 'utf8').trim()).toBe(String(process.pid));
    release();
  });
});
