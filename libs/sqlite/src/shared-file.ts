// Opening a SQLite file that several processes share (the embedded stores beside the event log):
// one sequence of settings for every store, so none forgets WAL, its durability or the two waits.
import Database from 'better-sqlite3';
import { READ_BUSY_TIMEOUT_MS } from './write-lock';

export interface SharedSqliteFileOptions {
  /** How long opening may wait, synchronously, for another process's lock (switching to WAL, creating the schema). */
  readonly writeLockBudgetMs: number;
  /** NORMAL survives a process crash, FULL also a power cut. */
  readonly synchronous: 'NORMAL' | 'FULL';
  /** Freed pages zeroed, for files holding personal data or keys that a forget must not leave behind. */
  readonly secureDelete?: boolean;
  /** CREATE … IF NOT EXISTS statements, run once the file is in WAL mode. */
  readonly schema: string;
  /** Upgrades of a file an older version wrote (added columns, backfills), run after the schema within the same wait. */
  readonly migrate?: (db: Database.Database) => void;
}

/**
 * Opens `filename` in WAL mode with the schema in place. Opening may block the thread while another
 * process holds the write lock (the process serves nothing yet); afterwards reads wait at most
 * READ_BUSY_TIMEOUT_MS, and writes must go through writeTransaction, which never waits on the thread.
 */
export function openSharedSqliteFile(filename: string, options: SharedSqliteFileOptions): Database.Database {
  const db = new Database(filename);
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.writeLockBudgetMs))}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous}`);
  if (options.secureDelete) db.pragma('secure_delete = ON');
  db.exec(options.schema);
  options.migrate?.(db);
  db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
  return db;
}
