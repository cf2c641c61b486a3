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
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new DataDirInUseError(dir, pid, file);
      try {
        unlinkSync(file); // left by a process that is gone
      } catch {
        // another opener took it over first: try again
      }
    }
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
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
