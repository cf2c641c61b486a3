import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Workaround for a postgres.js 3.4.9 defect (porsager/postgres#1154 and #1208, open upstream; #1066
 * is the same): a serve process died during a Postgres restart with an uncaught
 * `TypeError: Cannot read properties of null (reading 'write')` at connection.js:255 (`nextWrite`).
 *
 * How it happens: a query in a transaction fails because its connection closed (restart, network
 * cut); `begin()` then sends its own ROLLBACK on that connection, whose `socket` `closed()` has set
 * to null. Writes under 1 KB are flushed from a `setImmediate`, so the flush throws outside any
 * promise: an uncaughtException nobody can catch. Deterministic with `sql.begin` plus
 * `pg_terminate_backend` during a statement; during restarts it depends on timing (webhook claims
 * every WEBHOOK_POLL_MS are transactions, so it showed once in 4 restarts).
 * A second defect of the same code poisons a connection for good: `closed()` and `terminate()`
 * cancel the pending flush but leave `nextWriteTimer` set and the unsent bytes in `chunk`, so after
 * reconnecting its StartupMessage is appended behind stale bytes and never flushed (every use of that
 * pool slot then times out connecting).
 *
 * A third defect, found by the restart test: each new connection's first statement (fetching the array
 * types) is a promise nobody awaits, so a connection closed or reset during it (porsager/postgres#1192,
 * #1205, #1223) is an unhandled rejection, which also ends the process.
 *
 * Why a source patch and not an uncaughtException handler that recognises this TypeError: the
 * handler would keep the process alive but the throw skips `nextWrite`'s reset, which leaves the
 * connection poisoned as above. So this patches the driver's connection.js as it is loaded, the
 * way #1209 proposes upstream: a flush with no socket settles the connection's queries with
 * CONNECTION_CLOSED (reported as DATABASE_UNAVAILABLE; nothing hangs), and closing drops the unsent
 * bytes. Each replacement must match the installed text exactly; `guardStatus` says whether they
 * did (a unit test fails when a driver upgrade changes the text: then check whether upstream fixed
 * it and delete this file). Imported by src/db/client.ts before anything loads postgres.js.
 * Under Jest (its own module registry) the driver loads unpatched.
 */
const PATCHES: readonly { find: string; replace: string; count: number }[] = [
  {
    find: 'function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    replace:
      'function nextWrite(fn) {\n' +
      '    if (socket === null) {\n' +
      '      // digestql (src/db/postgres-write-guard.ts): no socket to write to; settle instead of throwing.\n' +
      '      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n' +
      '      chunk = nextWriteTimer = null\n' +
      "      error(Errors.connection('CONNECTION_CLOSED', options))\n" +
      '      return false\n' +
      '    }\n' +
      '    const x = socket.write(chunk, fn)',
    count: 1,
  },
  {
    // #1192, #1205, #1223: the array-type query every new connection runs first is a promise nobody
    // awaits; its failure (the connection closing or reset during a restart) is an unhandled rejection,
    // which ends a Node process. The next connection fetches the types again.
    find: '        return fetchArrayTypes()\n',
    replace: '        return fetchArrayTypes().catch(noop) // digestql: src/db/postgres-write-guard.ts\n',
    count: 1,
  },
  {
    // In terminate() and closed(): nothing buffered for a socket that is gone may go to the next one.
    find: '    clearImmediate(nextWriteTimer)\n',
    replace: '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null // digestql: src/db/postgres-write-guard.ts\n',
    count: 2,
  },
];

/** The patched source of postgres.js's connection.js, or null when it is not the text the patches were written for. */
export function guardConnectionSource(source: string): string | null {
  let out = source;
  for (const p of PATCHES) {
    if (out.split(p.find).length - 1 !== p.count) return null;
    out = out.split(p.find).join(p.replace);
  }
  return out;
}

export type GuardStatus = 'applied' | 'driver text changed' | 'driver already loaded' | 'not patchable here';

function install(): GuardStatus {
  // The package exports only ".": find connection.js beside the CommonJS entry point.
  let file: string;
  try {
    file = join(dirname(require.resolve('postgres')), 'connection.js');
  } catch {
    return 'not patchable here';
  }
  if (require.cache[file]) return 'driver already loaded';
  const patched = guardConnectionSource(readFileSync(file, 'utf8'));
  if (patched === null) return 'driver text changed';
  type Compilable = Module & { _compile(code: string, filename: string): void };
  const mod = new Module(file, module) as Compilable;
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  mod._compile(patched, file);
  mod.loaded = true;
  require.cache[file] = mod;
  // Jest's require.cache ignores writes: there the driver loads unpatched.
  return require.cache[file] === mod ? 'applied' : 'not patchable here';
}

export const guardStatus: GuardStatus = install();
