import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { guardConnectionSource } from '../../../src/db/postgres-write-guard';

describe('the postgres.js write guard (src/db/postgres-write-guard.ts)', () => {
  const file = join(dirname(require.resolve('postgres')), 'connection.js');
  const source = readFileSync(file, 'utf8');

  it('matches the installed driver: an upgrade that changes its text fails here (check upstream, then drop the guard)', () => {
    const patched = guardConnectionSource(source);
    expect(patched).not.toBeNull();
    expect(patched).toContain('if (socket === null) {');
    expect(patched).toContain('return fetchArrayTypes().catch(noop)');
    // Both teardown paths forget the bytes buffered for the socket that is gone.
    expect(patched!.split('chunk = nextWriteTimer = null // digestql').length - 1).toBe(2);
  });

  it('leaves text it was not written for alone', () => {
    expect(guardConnectionSource(source.replace('function nextWrite(fn) {', 'function nextWrite(fn, more) {'))).toBeNull();
  });
});
