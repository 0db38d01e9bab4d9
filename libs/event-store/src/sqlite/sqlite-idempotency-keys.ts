// Idempotency keys in a table of the embedded event store's SQLite file: every process that opens
// the file shares them, and the events table (the global log) never holds them. Writes wait for
// another process's write lock on a timer, never on the event loop's thread.
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '@app/event-sourcing';
import { DEFAULT_WRITE_LOCK_BUDGET_MS, openSharedSqliteFile, writeTransaction } from '@app/sqlite';
import { EventStoreBusyError } from '../event-store.port';
import { keyedFingerprint, type IdempotencyClaim, type IdempotencyKeyRef, type IdempotencyKeys, type RecordedAnswer } from '../idempotency-keys.port';

export interface SqliteIdempotencyKeysOptions {
  /** As the event store's: NORMAL (default) is durable across process crashes, FULL also across power loss. */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** How long a write may wait, in total, for another process's write lock before EventStoreBusyError (default 5 s). */
  readonly writeLockBudgetMs?: number;
  /** Source of lease times; every process on the file must share the wall clock. */
  readonly clock?: Clock;
  /**
   * The deployment's fingerprint key (fingerprintKey): fingerprints stored plain by versions before
   * keyed fingerprints are keyed in place at the first claim (keyedFingerprint of the stored hash),
   * so their retries still match and no plain hash of a request body stays in the file.
   */
  readonly fingerprintKey?: Buffer;
}

interface KeyRow {
  fingerprint: string;
  /** Holder of a claim not yet answered; null once answered. */
  token: string | null;
  lease_until: number | null;
  status: number | null;
  body: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope       TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  fingerprint TEXT    NOT NULL,
  token       TEXT,
  lease_until INTEGER,
  status      INTEGER,
  body        TEXT,
  claimed_at  TEXT    NOT NULL,
  answered_at TEXT,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
`;

/** 1: the fingerprint is keyed (keyedFingerprint); 0: a plain SHA-256 stored before keyed fingerprints. */
const KEYED_COLUMN = 'keyed';

export class SqliteIdempotencyKeys implements IdempotencyKeys {
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly writeLockBudgetMs: number;
  private readonly keyed: boolean;
  /** Keys the plain fingerprints once, in the first claim's transaction; undefined once done (or without a key). */
  private keyPlainFingerprints: Database.Statement | undefined;
  private readonly statements: {
    get: Database.Statement<[string, string], KeyRow>;
    claim: Database.Statement<[string, string, string, number, string, number, string]>;
    lease: Database.Statement<[string, number, string, string, string]>;
    answer: Database.Statement<[number, string, string, string, string, string]>;
    remove: Database.Statement<[string, string, string]>;
  };

  /** `filename`: the event store's SQLite file. */
  constructor(
    private readonly filename: string,
    options: SqliteIdempotencyKeysOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.writeLockBudgetMs = Math.max(0, Math.floor(options.writeLockBudgetMs ?? DEFAULT_WRITE_LOCK_BUDGET_MS));
    this.db = openSharedSqliteFile(filename, {
      writeLockBudgetMs: this.writeLockBudgetMs,
      synchronous: options.synchronous === 'FULL' ? 'FULL' : 'NORMAL',
      schema: SCHEMA,
      migrate: (db) => {
        const columns = db.prepare('PRAGMA table_info(idempotency_keys)').all() as { name: string }[];
        if (!columns.some((column) => column.name === KEYED_COLUMN)) db.exec(`ALTER TABLE idempotency_keys ADD COLUMN ${KEYED_COLUMN} INTEGER NOT NULL DEFAULT 0`);
      },
    });
    const key = options.fingerprintKey;
    this.keyed = key !== undefined;
    if (key !== undefined) {
      this.db.function('chronicle_keyed_fingerprint', { deterministic: true }, (plain: unknown) => keyedFingerprint(key, String(plain)));
      this.keyPlainFingerprints = this.db.prepare(`UPDATE idempotency_keys SET fingerprint = chronicle_keyed_fingerprint(fingerprint), ${KEYED_COLUMN} = 1 WHERE ${KEYED_COLUMN} = 0`);
    }
    this.statements = {
      get: this.db.prepare('SELECT fingerprint, token, lease_until, status, body FROM idempotency_keys WHERE scope = ? AND key = ?'),
      claim: this.db.prepare(
        `INSERT INTO idempotency_keys (scope, key, fingerprint, ${KEYED_COLUMN}, token, lease_until, claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, ${KEYED_COLUMN} = excluded.${KEYED_COLUMN}, token = excluded.token, lease_until = excluded.lease_until, claimed_at = excluded.claimed_at`,
      ),
      lease: this.db.prepare('UPDATE idempotency_keys SET token = ?, lease_until = ? WHERE scope = ? AND key = ? AND token = ?'),
      answer: this.db.prepare(
        'UPDATE idempotency_keys SET token = NULL, lease_until = NULL, status = ?, body = ?, answered_at = ? WHERE scope = ? AND key = ? AND token = ?',
      ),
      remove: this.db.prepare('DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND token = ?'),
    };
  }

  claim(ref: IdempotencyKeyRef, fingerprint: string, leaseMs: number): Promise<IdempotencyClaim> {
    // One write transaction (BEGIN IMMEDIATE): the read and the write that follows it are one step for every connection.
    return this.write((): IdempotencyClaim => {
      if (this.keyPlainFingerprints) {
        this.keyPlainFingerprints.run();
        this.keyPlainFingerprints = undefined;
      }
      const now = this.clock.now();
      const row = this.statements.get.get(ref.scope, ref.key);
      if (row && row.fingerprint !== fingerprint) return { outcome: 'mismatch' };
      if (row && row.token === null) return { outcome: 'answered', answer: { status: row.status as number, body: JSON.parse(row.body as string) } };
      if (row && (row.lease_until as number) > now.getTime()) return { outcome: 'in_progress' };
      const token = randomUUID();
      this.statements.claim.run(ref.scope, ref.key, fingerprint, this.keyed ? 1 : 0, token, now.getTime() + leaseMs, now.toISOString());
      return { outcome: 'acquired', token };
    });
  }

  renew(ref: IdempotencyKeyRef, token: string, leaseMs: number): Promise<boolean> {
    return this.write(() => this.statements.lease.run(token, this.clock.now().getTime() + leaseMs, ref.scope, ref.key, token).changes === 1);
  }

  complete(ref: IdempotencyKeyRef, token: string, answer: RecordedAnswer): Promise<boolean> {
    const body = JSON.stringify(answer.body ?? null);
    return this.write(() => this.statements.answer.run(answer.status, body, this.clock.now().toISOString(), ref.scope, ref.key, token).changes === 1);
  }

  release(ref: IdempotencyKeyRef, token: string): Promise<boolean> {
    return this.write(() => this.statements.remove.run(ref.scope, ref.key, token).changes === 1);
  }

  abandon(ref: IdempotencyKeyRef, token: string): Promise<boolean> {
    // A fresh token nobody holds: the binding stays, and the next claim of the same request takes over.
    return this.write(() => this.statements.lease.run(randomUUID(), this.clock.now().getTime(), ref.scope, ref.key, token).changes === 1);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** A write transaction that waits for another process's write lock asynchronously, within the budget. */
  private write<T>(work: () => T): Promise<T> {
    return writeTransaction(this.db, work, { budgetMs: this.writeLockBudgetMs, busyError: (waited) => new EventStoreBusyError(this.filename, waited) });
  }
}
