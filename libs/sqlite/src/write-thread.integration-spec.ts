import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdWriteLock, type WriteLockHolder } from './testing/write-lock-holder';
import { WriteLockBusyError } from './write-lock';
import { SqliteWriteThread, SqliteWriteThreadError } from './write-thread';

let directory: string;
let file: string;
let db: Database.Database;
let thread: SqliteWriteThread | undefined;
let holder: WriteLockHolder | undefined;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'chronicle-write-thread-'));
  file = join(directory, 'file.sqlite');
  db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE rows (id TEXT PRIMARY KEY, body BLOB NOT NULL)');
});

afterEach(async () => {
  holder?.kill();
  holder = undefined;
  await thread?.close();
  thread = undefined;
  db.close();
  rmSync(directory, { recursive: true, force: true });
});

jest.setTimeout(30_000);

const INSERT = 'INSERT OR IGNORE INTO rows (id, body) VALUES (?, ?)';
const ids = () => (db.prepare('SELECT id FROM rows ORDER BY id').pluck().all() as string[]);

describe('SqliteWriteThread', () => {
  // A file checkpointed in the background must not be checkpointed inside the thread's commits too
  // (a copy of the WAL and a wait for the disk every ~4 MB): found as the Kafka projector's latency.
  it.each([
    ['SQLite\'s automatic checkpoint (every 1,000 pages) by default', undefined, false],
    ['only the backstop it is given', 10_000, true],
  ])('checkpoints inside its commits at %s', async (_what, autocheckpointPages, walKeepsEveryPage) => {
    thread = new SqliteWriteThread(file, { synchronous: 'NORMAL', writeLockBudgetMs: 1_000, ...(autocheckpointPages ? { autocheckpointPages } : {}) });
    // 30 commits of 60 rows of 4 KB: about 1,800 WAL pages in all, past 1,000.
    for (let commit = 0; commit < 30; commit++) {
      await thread.run([{ sql: INSERT, rows: Array.from({ length: 60 }, (_, i) => [`${commit}-${i}`, Buffer.alloc(4_000, commit)]) }]);
    }
    // [busy, frames in the WAL, frames checkpointed]: a checkpoint inside a commit restarted the WAL.
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    expect(log >= 1_800).toBe(walKeepsEveryPage);
    expect(ids()).toHaveLength(1_800);
  });

  it('commits every batch in one transaction on its thread and answers each row\'s changes; the caller\'s connection reads them', async () => {
    thread = new SqliteWriteThread(file, { synchronous: 'FULL', writeLockBudgetMs: 1_000 });
    db.prepare('INSERT INTO rows VALUES (?, ?)').run('b', Buffer.from('already'));
    const changes = await thread.run([
      { sql: INSERT, rows: [['a', Buffer.from([1, 2, 3])], ['b', Buffer.from('again')]] },
      { sql: 'UPDATE rows SET body = ? WHERE id = ?', rows: [[Buffer.from('new'), 'b'], [Buffer.from('none'), 'z']] },
    ]);
    expect(changes).toEqual([[1, 0], [1, 0]]);
    expect(db.prepare('SELECT id, body FROM rows ORDER BY id').all()).toEqual([
      { id: 'a', body: Buffer.from([1, 2, 3]) },
      { id: 'b', body: Buffer.from('new') },
    ]);
  });

  it('writes nothing of a transaction one statement of which fails, and says why', async () => {
    thread = new SqliteWriteThread(file, { synchronous: 'NORMAL', writeLockBudgetMs: 1_000 });
    const failed: unknown = await thread
      .run([{ sql: INSERT, rows: [['a', Buffer.from('x')]] }, { sql: 'INSERT INTO rows (id, body) VALUES (?, ?)', rows: [['c', null]] }])
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(SqliteWriteThreadError);
    expect((failed as SqliteWriteThreadError).code).toBe('SQLITE_CONSTRAINT_NOTNULL');
    expect(ids()).toEqual([]);
    expect(await thread.run([{ sql: INSERT, rows: [['a', Buffer.from('x')]] }])).toEqual([[1]]);
    expect(ids()).toEqual(['a']);
  });

  it('waits on its thread for a write lock another process holds, while this event loop keeps turning, then commits', async () => {
    thread = new SqliteWriteThread(file, { synchronous: 'FULL', writeLockBudgetMs: 60_000 });
    holder = await holdWriteLock(file);
    const committed = thread.run([{ sql: INSERT, rows: [['waited', Buffer.from('x')]] }]);
    // Round trips through the holder need this event loop: a wait on it would settle the write first.
    expect(await holder.settledAfterRoundTrips(committed)).toBe(false);
    await holder.commit();
    holder = undefined;
    expect(await committed).toEqual([[1]]);
    expect(ids()).toEqual(['waited']);
  });

  it('refuses with WriteLockBusyError (SQLITE_BUSY) once the lock was held for its whole budget, having written nothing', async () => {
    thread = new SqliteWriteThread(file, { synchronous: 'NORMAL', writeLockBudgetMs: 30 });
    holder = await holdWriteLock(file);
    const refused: unknown = await thread.run([{ sql: INSERT, rows: [['busy', Buffer.from('x')]] }]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WriteLockBusyError);
    expect((refused as WriteLockBusyError).code).toBe('SQLITE_BUSY');
    expect((refused as WriteLockBusyError).waitedMs).toBeGreaterThanOrEqual(30);
    await holder.commit();
    holder = undefined;
    expect(ids()).toEqual([]);
  });

  it('answers the batches in flight before it closes, and refuses new ones after', async () => {
    thread = new SqliteWriteThread(file, { synchronous: 'NORMAL', writeLockBudgetMs: 1_000 });
    const inFlight = Array.from({ length: 20 }, (_, i) => thread?.run([{ sql: INSERT, rows: [[`r${String(i).padStart(2, '0')}`, Buffer.from('x')]] }]));
    await thread.close();
    expect(await Promise.all(inFlight)).toEqual(Array.from({ length: 20 }, () => [[1]]));
    expect(ids()).toHaveLength(20);
    await expect(thread.run([{ sql: INSERT, rows: [['late', Buffer.from('x')]] }])).rejects.toThrow(/closed/);
  });
});
