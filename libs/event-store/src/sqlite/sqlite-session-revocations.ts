// Signed-out console sessions in a table of the embedded event store's SQLite file: every process
// that opens the file sees a sign-out made by any other, and the events table (the global log) never
// holds them. A check is one primary-key read; a write waits for another process's write lock on a
// timer, never on the event loop's thread.
import type Database from 'better-sqlite3';
import { requireValidDate, systemClock, type Clock } from '@app/event-sourcing';
import { DEFAULT_WRITE_LOCK_BUDGET_MS, openSharedSqliteFile, writeTransaction } from '@app/sqlite';
import { EventStoreBusyError } from '../event-store.port';
import type { SessionRevocations } from '../session-revocations.port';

export interface SqliteSessionRevocationsOptions {
  /** As the event store's: NORMAL (default) is durable across process crashes, FULL also across power loss. */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** How long a write may wait, in total, for another process's write lock before EventStoreBusyError (default 5 s). */
  readonly writeLockBudgetMs?: number;
  /** When records whose session has ended anyway are forgotten. */
  readonly clock?: Clock;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS session_revocations (
  sid        TEXT    NOT NULL PRIMARY KEY,
  until      INTEGER NOT NULL,
  revoked_at TEXT    NOT NULL
) WITHOUT ROWID;
`;

export class SqliteSessionRevocations implements SessionRevocations {
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly writeLockBudgetMs: number;
  private readonly statements: {
    get: Database.Statement<[string], { sid: string }>;
    put: Database.Statement<[string, number, string]>;
    prune: Database.Statement<[number]>;
  };

  /** `filename`: the event store's SQLite file. */
  constructor(
    private readonly filename: string,
    options: SqliteSessionRevocationsOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.writeLockBudgetMs = Math.max(0, Math.floor(options.writeLockBudgetMs ?? DEFAULT_WRITE_LOCK_BUDGET_MS));
    this.db = openSharedSqliteFile(filename, { writeLockBudgetMs: this.writeLockBudgetMs, synchronous: options.synchronous === 'FULL' ? 'FULL' : 'NORMAL', schema: SCHEMA });
    this.statements = {
      get: this.db.prepare('SELECT sid FROM session_revocations WHERE sid = ?'),
      put: this.db.prepare('INSERT INTO session_revocations (sid, until, revoked_at) VALUES (?, ?, ?) ON CONFLICT (sid) DO NOTHING'),
      prune: this.db.prepare('DELETE FROM session_revocations WHERE until <= ?'),
    };
  }

  async revoke(sid: string, until: Date): Promise<void> {
    requireValidDate('until', until);
    return writeTransaction(
      this.db,
      () => {
        const now = this.clock.now();
        // Sign-outs are rare: tidying on each keeps the table as small as the sessions still running.
        this.statements.prune.run(now.getTime());
        this.statements.put.run(sid, until.getTime(), now.toISOString());
      },
      { budgetMs: this.writeLockBudgetMs, busyError: (waited) => new EventStoreBusyError(this.filename, waited) },
    );
  }

  async isRevoked(sid: string): Promise<boolean> {
    return this.statements.get.get(sid) !== undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
