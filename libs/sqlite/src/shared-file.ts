// Opening a SQLite file that several processes share (the embedded stores beside the event log):
// one sequence of settings for every store, so none forgets WAL, its durability or the two waits.
import Database from 'better-sqlite3';
import { isSqliteBusy, READ_BUSY_TIMEOUT_MS, writeLockRetryDelayMs } from './write-lock';

export interface SharedSqliteFileOptions {
  /** How long opening may wait, synchronously, for another process's lock (switching to WAL, creating the schema). */
  readonly writeLockBudgetMs: number;
  /** NORMAL survives a process crash, FULL also a power cut. */
  readonly synchronous: 'NORMAL' | 'FULL';
  /** Freed pages zeroed, for files holding personal data or keys that a forget must not leave behind. */
  readonly secureDelete?: boolean;
  /** CREATE … IF NOT EXISTS statements, run once the file is in WAL mode. */
  readonly schema: string;
  /**
   * Upgrades of a file an older version wrote (added columns, indexes, backfills), run in the same
   * transaction as the schema: processes opening one file at once each see it before or after.
   */
  readonly migrate?: (db: Database.Database) => void;
  /** Work that takes its own transactions (BEGIN IMMEDIATE), run after the schema, still within the opening wait. */
  readonly afterMigrate?: (db: Database.Database) => void;
}

/**
 * Each connection's page cache, in KiB: SQLite's own default (better-sqlite3 builds with 16 MB). A
 * connection reading a file another connection writes loses its cache at every commit of the other
 * (WAL mode), so only a file's writer keeps one across transactions; 16 MB per connection measured
 * no faster than 2 MB (three alternated rounds) and cost ~50–65 MB resident at 100,000 customers
 * (bench/README.md, "SQLite's page caches").
 */
export const PAGE_CACHE_KIB = 2000;

/**
 * Opens `filename` in WAL mode with the schema in place. Opening may block the thread while another
 * process holds the write lock (the process serves nothing yet); afterwards reads wait at most
 * READ_BUSY_TIMEOUT_MS, and writes must go through writeTransaction, which never waits on the thread.
 */
export function openSharedSqliteFile(filename: string, options: SharedSqliteFileOptions): Database.Database {
  const db = new Database(filename);
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.writeLockBudgetMs))}`);
  switchToWal(db, options.writeLockBudgetMs);
  db.pragma(`synchronous = ${options.synchronous}`);
  if (options.secureDelete) db.pragma('secure_delete = ON');
  // One write transaction for the schema and its upgrades: two processes opening a new file at once
  // would otherwise both find a column missing and both add it (SQLITE_ERROR: duplicate column name).
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(options.schema);
    options.migrate?.(db);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    throw error;
  }
  options.afterMigrate?.(db);
  db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
  return db;
}

/**
 * `journal_mode = WAL`, retried while another process holds the file: on a new file, two processes
 * that both read it (SHARED) and both want the EXCLUSIVE lock the switch needs are a deadlock, which
 * SQLite answers with SQLITE_BUSY at once, without its busy handler (a fresh-clone CI run: "database
 * is locked" when six processes opened one new event log together). The one refused backs off and
 * tries again until the budget is spent; by then the other has switched the file, and the pragma finds
 * WAL already set.
 */
function switchToWal(db: Database.Database, budgetMs: number): void {
  const deadline = Date.now() + budgetMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let refusals = 1; ; refusals++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() >= deadline) {
        db.close();
        throw error;
      }
      // Opening blocks the thread anyway (see above); the writes' jittered backoff, so the contenders do not meet again.
      Atomics.wait(pause, 0, 0, writeLockRetryDelayMs(refusals));
    }
  }
}
