import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded database (PGlite) is one process's: two processes opening one data directory each
 * keep their own buffers over the same files, and writes get lost or the files corrupted. A pid
 * file in the directory refuses the second opener with an error that says what to do; a file left
 * by a process that is gone (killed) is taken over.
 */
export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number, file: string) {
    super(
      `the embedded database in ${dir} is open in another process (pid ${pid}, e.g. a running \`digestql serve\`). ` +
        `PGlite serves one process: stop that process first, or do this through its GraphQL API; to run several ` +
        `processes on one database, use Postgres (DATABASE_URL). If no such process exists, delete ${file}.`,
    );
    this.name = 'DataDirInUseError';
  }
}

const LOCK_FILE = 'digestql.pid';
/** Directories this process holds (a pid file with our own pid is otherwise a previous life's). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the data directory for this process; returns the release (also run at exit). */
export function lockDataDir(dir: string): () => void {
  const file = join(dir, LOCK_FILE);
  if (held.has(file)) throw new DataDirInUseError(dir, process.pid, file);
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid = NaN;
      try {
        pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      } catch {
        continue; // removed meanwhile: try again
      }
      // Our own pid in a file we do not hold: left by an earlier run that had the same pid (a
      // container restarted after a kill: the server is pid 1 again).
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DataDirInUseError(dir, pid, file);
      try {
        unlinkSync(file); // left by a process that is gone
      } catch {
        // another opener took it over first: try again
      }
    }
  }
  held.add(file);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    held.delete(file);
    process.off('exit', release);
    try {
      if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return release;
}
