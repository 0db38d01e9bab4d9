// Real SQLite failures (not made-up error objects) are 503s that say to retry, not 500s.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreWriterStoppedError } from '@app/event-store';
import { problemHeaders, toProblem } from './problem.filter';
import { isStorageUnavailable } from './storage-errors';

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('storage failures', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'chronicle-storage-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers a write to a read-only database, a full one and one that cannot be opened with 503 and Retry-After', () => {
    const file = join(dir, 'events.sqlite');
    new Database(file).exec('CREATE TABLE t (x)');
    const readOnly = new Database(file, { readonly: true });
    const full = new Database(join(dir, 'full.sqlite'));
    full.exec('CREATE TABLE t (x)');
    full.pragma(`max_page_count = ${full.pragma('page_count', { simple: true }) as number}`);
    try {
      const failures = [
        thrownBy(() => readOnly.prepare('INSERT INTO t VALUES (1)').run()),
        thrownBy(() => full.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(100_000))),
        // A folder where the database file should be.
        thrownBy(() => new Database(dir)),
      ];
      expect(failures.map((error) => (error as { code?: string }).code)).toEqual([expect.stringMatching(/^SQLITE_READONLY/), 'SQLITE_FULL', expect.stringMatching(/^SQLITE_CANTOPEN/)]);
      for (const error of failures) {
        const problem = toProblem(error);
        expect({ status: problem.status, code: problem.code }).toEqual({ status: 503, code: 'STORAGE_UNAVAILABLE' });
        expect(problemHeaders(error, problem)).toEqual({ 'Retry-After': '5' });
      }
    } finally {
      readOnly.close();
      full.close();
    }
  });

  it('answers a write after the event store writer thread stopped with 503 WRITER_STOPPED (it was a 500)', () => {
    // The store rejects with this error once its thread is gone (sqlite-event-store.integration-spec shows the real one).
    const error = new EventStoreWriterStoppedError(join(dir, 'events.sqlite'), 1);
    const problem = toProblem(error);
    expect({ status: problem.status, code: problem.code }).toEqual({ status: 503, code: 'WRITER_STOPPED' });
    expect(problem.detail).toMatch(/same Idempotency-Key/);
  });

  it('leaves other failures alone: a bug is still a 500', () => {
    expect(isStorageUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(toProblem(new Error('boom')).status).toBe(500);
  });
});
