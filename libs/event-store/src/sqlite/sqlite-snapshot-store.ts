// Snapshots in a table of the embedded event store's SQLite file: every process that opens the file
// shares them, and the events table (the global log) never holds them. A read of any number of
// streams is one query on the primary key; a write waits for another process's write lock on a
// timer, never on the event loop's thread. `DELETE FROM snapshots` drops them all (README).
import type Database from 'better-sqlite3';
import { DEFAULT_WRITE_LOCK_BUDGET_MS, openSharedSqliteFile, writeTransaction } from '@app/sqlite';
import { EventStoreBusyError } from '../event-store.port';
import type { Snapshot, SnapshotStore } from '../snapshot-store.port';

export interface SqliteSnapshotStoreOptions {
  /** As the event store's: NORMAL (default) is durable across process crashes, FULL also across power loss. */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** How long a write may wait, in total, for another process's write lock before EventStoreBusyError (default 5 s). */
  readonly writeLockBudgetMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS snapshots (
  stream_id   TEXT    NOT NULL PRIMARY KEY,
  revision    INTEGER NOT NULL,
  version     TEXT    NOT NULL,
  customer_id TEXT    NOT NULL,
  data        TEXT    NOT NULL
) WITHOUT ROWID;
`;

interface SnapshotRow {
  stream_id: string;
  revision: number;
  version: string;
  customer_id: string;
  data: string;
}

export class SqliteSnapshotStore implements SnapshotStore {
  private readonly db: Database.Database;
  private readonly writeLockBudgetMs: number;
  private readonly statements: {
    read: Database.Statement<[string], SnapshotRow>;
    put: Database.Statement<[string, number, string, string, string]>;
    delete: Database.Statement<[string]>;
  };

  /** `filename`: the event store's SQLite file. */
  constructor(
    private readonly filename: string,
    options: SqliteSnapshotStoreOptions = {},
  ) {
    this.writeLockBudgetMs = Math.max(0, Math.floor(options.writeLockBudgetMs ?? DEFAULT_WRITE_LOCK_BUDGET_MS));
    this.db = openSharedSqliteFile(filename, { writeLockBudgetMs: this.writeLockBudgetMs, synchronous: options.synchronous === 'FULL' ? 'FULL' : 'NORMAL', schema: SCHEMA });
    this.statements = {
      // The stream ids as one JSON array parameter: one prepared statement for any number of streams.
      read: this.db.prepare('SELECT * FROM snapshots WHERE stream_id IN (SELECT value FROM json_each(?))'),
      put: this.db.prepare(
        'INSERT INTO snapshots (stream_id, revision, version, customer_id, data) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, version = excluded.version, customer_id = excluded.customer_id, data = excluded.data',
      ),
      delete: this.db.prepare('DELETE FROM snapshots WHERE stream_id = ?'),
    };
  }

  async read(streamIds: readonly string[]): Promise<Map<string, Snapshot>> {
    const found = new Map<string, Snapshot>();
    if (streamIds.length === 0) return found;
    for (const row of this.statements.read.all(JSON.stringify([...new Set(streamIds)]))) {
      found.set(row.stream_id, { streamId: row.stream_id, revision: row.revision, version: row.version, customerId: row.customer_id, data: JSON.parse(row.data) });
    }
    return found;
  }

  write(snapshot: Snapshot): Promise<void> {
    return this.inTransaction(() => this.statements.put.run(snapshot.streamId, snapshot.revision, snapshot.version, snapshot.customerId, JSON.stringify(snapshot.data)));
  }

  delete(streamId: string): Promise<void> {
    return this.inTransaction(() => this.statements.delete.run(streamId));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private inTransaction(work: () => unknown): Promise<void> {
    return writeTransaction(
      this.db,
      () => {
        work();
      },
      { budgetMs: this.writeLockBudgetMs, busyError: (waited) => new EventStoreBusyError(this.filename, waited) },
    );
  }
}
