// The embedded KeyStore: data keys wrapped by the master key ring, one row per customer, in a SQLite
// file of their own (keys.sqlite, apart from the event store, so the two can be kept and backed up
// apart). Durable at every commit (synchronous=FULL: an event encrypted with a key that a power cut
// then lost could never be read again); the keys of customers first seen at the same moment are
// created in one transaction, one fsync for all of them, committed on a thread of their own (the
// fsync of a registration used to hold up every request of the process). secure_delete zeroes the bytes a destroyed key occupied and
// a truncating WAL checkpoint after each destroy drops the old page images, so the file keeps no
// copy of a destroyed key, wrapped or not.
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { requireInstant } from '@app/event-sourcing';
import { DEFAULT_WRITE_LOCK_BUDGET_MS, openSharedSqliteFile, READ_BUSY_TIMEOUT_MS, SqliteWriteThread, truncateWal, WriteLockBusyError, writeTransaction } from '@app/sqlite';
import { checkErasureInstants, DataKeyDestroyedError, type DataKey, type DataKeyLookup, type Erasure, type ErasureRequest, type KeyStore } from '../key-store.port';
import { MasterKeyRing } from '../master-key-ring';

interface KeyRow {
  customer_id: string;
  key_id: string | null;
  master_key_id: string | null;
  wrapped: Buffer | null;
  destroyed_at: string | null;
  erasure: string | null;
  completed_at: string | null;
}

export interface SqliteKeyStoreOptions {
  /**
   * How long a write may wait, in total, for another process's write lock before it is refused, in
   * ms (default 5000). The wait is on a timer: the process keeps serving meanwhile.
   */
  readonly writeLockBudgetMs?: number;
}

interface Waiting {
  resolve(key: DataKey): void;
  reject(error: unknown): void;
}

const INSERT_KEY = 'INSERT OR IGNORE INTO data_keys (customer_id, key_id, master_key_id, wrapped, created_at) VALUES (?, ?, ?, ?, ?)';

export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  /** New customers waiting for the next key-creating transaction (group commit). */
  private creating: Map<string, Waiting[]> | null = null;
  private readonly select: Database.Statement<[string], KeyRow>;
  /** Creates keys off the event loop; the rare writes (destroy, rewrap) stay on this connection. */
  private readonly creator: SqliteWriteThread;
  private readonly writeLockBudgetMs: number;
  /** The key-creating transaction under way, if any (close waits for it). */
  private writing: Promise<void> | null = null;

  constructor(
    private readonly file: string,
    private readonly ring: MasterKeyRing,
    options: SqliteKeyStoreOptions = {},
  ) {
    this.writeLockBudgetMs = Math.max(0, Math.floor(options.writeLockBudgetMs ?? DEFAULT_WRITE_LOCK_BUDGET_MS));
    // Keys: durable against a power cut, and a destroyed key's bytes never left in freed pages.
    this.db = openSharedSqliteFile(file, { writeLockBudgetMs: this.writeLockBudgetMs, synchronous: 'FULL', secureDelete: true, schema: `
      CREATE TABLE IF NOT EXISTS data_keys (
        customer_id TEXT PRIMARY KEY,
        key_id TEXT,
        master_key_id TEXT,
        wrapped BLOB,
        created_at TEXT NOT NULL,
        destroyed_at TEXT,
        erasure TEXT,
        completed_at TEXT
      );
      CREATE INDEX IF NOT EXISTS data_keys_pending ON data_keys (destroyed_at) WHERE destroyed_at IS NOT NULL AND completed_at IS NULL;
    ` });
    this.select = this.db.prepare('SELECT customer_id, key_id, master_key_id, wrapped, destroyed_at, erasure, completed_at FROM data_keys WHERE customer_id = ?');
    this.creator = new SqliteWriteThread(file, { synchronous: 'FULL', secureDelete: true, writeLockBudgetMs: this.writeLockBudgetMs });
  }

  async getOrCreate(customerId: string): Promise<DataKey> {
    const row = this.select.get(customerId);
    if (row) return this.live(row);
    return new Promise<DataKey>((resolve, reject) => {
      if (!this.creating) {
        this.creating = new Map();
        setImmediate(() => void this.createWaiting());
      }
      const waiting = this.creating.get(customerId) ?? [];
      waiting.push({ resolve, reject });
      this.creating.set(customerId, waiting);
    });
  }

  /** One transaction (one fsync) creates the keys of every customer asked for since the last one. */
  private async createWaiting(): Promise<void> {
    // One key-creating transaction at a time: while one waits for the lock, new customers gather for the next.
    while (this.writing) await this.writing;
    const creating = this.creating ?? new Map<string, Waiting[]>();
    this.creating = null;
    if (creating.size === 0) return;
    const done = this.createKeys(creating);
    this.writing = done;
    try {
      await done;
    } finally {
      this.writing = null;
    }
  }

  private async createKeys(creating: Map<string, Waiting[]>): Promise<void> {
    const made = new Map<string, DataKey>();
    try {
      const at = new Date().toISOString();
      const keys = [...creating.keys()].map((customerId): DataKey => ({ customerId, keyId: randomUUID(), key: MasterKeyRing.newDataKey() }));
      const rows = keys.map(({ customerId, keyId, key }) => {
        const { masterKeyId, wrapped } = this.ring.wrap(customerId, keyId, key);
        return [customerId, keyId, masterKeyId, wrapped, at];
      });
      const [changes] = await this.creator.run([{ sql: INSERT_KEY, rows }]);
      // Another process may insert first: then its key is the customer's key, and this one is dropped.
      keys.forEach((key, index) => changes[index] === 1 && made.set(key.customerId, key));
    } catch (error) {
      for (const waiting of creating.values()) for (const { reject } of waiting) reject(error);
      return;
    }
    for (const [customerId, waiting] of creating) {
      for (const { resolve, reject } of waiting) {
        try {
          resolve(made.get(customerId) ?? this.live(this.select.get(customerId) as KeyRow));
        } catch (error) {
          reject(error);
        }
      }
    }
  }

  private live(row: KeyRow): DataKey {
    const found = this.lookup(row);
    if (found.state !== 'live') throw new DataKeyDestroyedError(row.customer_id);
    return found.key;
  }

  async get(customerId: string): Promise<DataKeyLookup> {
    const row = this.select.get(customerId);
    return row ? this.lookup(row) : { state: 'none' };
  }

  async destroy(customerId: string, request: ErasureRequest, at: string): Promise<Erasure> {
    checkErasureInstants(request, at);
    const erasure = await this.write((): Erasure => {
      const row = this.select.get(customerId);
      if (row?.destroyed_at) return erasureOf(row);
      if (row) {
        this.db
          .prepare('UPDATE data_keys SET wrapped = NULL, master_key_id = NULL, destroyed_at = ?, erasure = ? WHERE customer_id = ?')
          .run(at, JSON.stringify(request), customerId);
      } else {
        this.db
          .prepare('INSERT INTO data_keys (customer_id, key_id, master_key_id, wrapped, created_at, destroyed_at, erasure) VALUES (?, NULL, NULL, NULL, ?, ?, ?)')
          .run(customerId, at, at, JSON.stringify(request));
      }
      return { customerId, keyId: row?.key_id ?? null, request, destroyedAt: at, completedAt: null };
    });
    // secure_delete zeroed the key's bytes in the new page; the old page image is still in the WAL
    // until a checkpoint copies the new one over it and truncates the log.
    await this.truncateWal();
    return erasure;
  }

  async pendingErasures(limit = 100): Promise<Erasure[]> {
    const rows = this.db
      .prepare(
        'SELECT customer_id, key_id, master_key_id, wrapped, destroyed_at, erasure, completed_at FROM data_keys ' +
          'WHERE destroyed_at IS NOT NULL AND completed_at IS NULL ORDER BY destroyed_at, customer_id LIMIT ?',
      )
      .all(limit) as KeyRow[];
    return rows.map(erasureOf);
  }

  async completeErasure(customerId: string, at: string): Promise<void> {
    requireInstant('at', at);
    await this.write(() => {
      this.db.prepare('UPDATE data_keys SET completed_at = ? WHERE customer_id = ? AND destroyed_at IS NOT NULL AND completed_at IS NULL').run(at, customerId);
    });
  }

  async rewrap(): Promise<number> {
    const count = await this.write((): number => {
      const rows = this.db
        .prepare('SELECT customer_id, key_id, master_key_id, wrapped, destroyed_at, erasure, completed_at FROM data_keys WHERE wrapped IS NOT NULL AND master_key_id != ?')
        .all(this.ring.currentId) as KeyRow[];
      const update = this.db.prepare('UPDATE data_keys SET master_key_id = ?, wrapped = ? WHERE customer_id = ?');
      for (const row of rows) {
        const keyId = row.key_id as string;
        const key = this.ring.unwrap(row.customer_id, keyId, { masterKeyId: row.master_key_id as string, wrapped: row.wrapped as Buffer });
        const again = this.ring.wrap(row.customer_id, keyId, key);
        update.run(again.masterKeyId, again.wrapped, row.customer_id);
      }
      return rows.length;
    });
    // The old wrappings must not outlive the old master key in free pages or the WAL either.
    await this.truncateWal();
    return count;
  }

  async close(): Promise<void> {
    // Keys asked for but not created yet are created (or refused) before the file closes.
    while (this.writing || this.creating) await (this.writing ?? this.createWaiting());
    await this.creator.close();
    if (this.db.open) this.db.close();
  }

  /** A write transaction that waits for another process's write lock asynchronously, within the budget. */
  private write<T>(work: () => T): Promise<T> {
    return writeTransaction(this.db, work, { budgetMs: this.writeLockBudgetMs, busyError: (waited) => new WriteLockBusyError(this.file, waited) });
  }

  /**
   * Best effort, as a checkpoint always was here: a reader in another process that still needs an
   * older snapshot for longer than the budget leaves the log to the next checkpoint.
   */
  private async truncateWal(): Promise<void> {
    try {
      await truncateWal(this.db, { budgetMs: this.writeLockBudgetMs, busyError: (waited) => new WriteLockBusyError(this.file, waited) });
    } catch (error) {
      if (!(error instanceof WriteLockBusyError)) throw error;
    }
  }

  private lookup(row: KeyRow): DataKeyLookup {
    if (row.destroyed_at !== null) return { state: 'destroyed', erasure: erasureOf(row) };
    const keyId = row.key_id as string;
    const key = this.ring.unwrap(row.customer_id, keyId, { masterKeyId: row.master_key_id as string, wrapped: row.wrapped as Buffer });
    return { state: 'live', key: { customerId: row.customer_id, keyId, key } };
  }
}

function erasureOf(row: KeyRow): Erasure {
  return {
    customerId: row.customer_id,
    keyId: row.key_id,
    request: JSON.parse(row.erasure ?? 'null') as ErasureRequest,
    destroyedAt: row.destroyed_at as string,
    completedAt: row.completed_at,
  };
}
