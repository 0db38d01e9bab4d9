import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSharedSqliteFile } from './shared-file';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'chronicle-shared-file-'));
});

afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('openSharedSqliteFile', () => {
  it('opens the file in WAL mode with its schema, the durability asked for and a 2 MB page cache', () => {
    const db = openSharedSqliteFile(join(directory, 'file.sqlite'), { writeLockBudgetMs: 1_000, synchronous: 'FULL', schema: 'CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY)' });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['rows']);
      // 2,000 KiB, SQLite's own default; better-sqlite3 builds with 16 MB per connection, which the
      // connections of every thread filled (~50 MB resident at 100,000 customers) for no speed.
      expect(db.pragma('cache_size', { simple: true })).toBe(-2_000);
    } finally {
      db.close();
    }
  });
});
