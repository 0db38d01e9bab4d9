// Commits off the event loop: a worker thread with its own connection to a SQLite file runs batches
// of prepared statements in one transaction each and answers once COMMIT returned. For files written
// at synchronous=FULL (the key store: an fsync per commit) the fsync used to stop every request the
// process was serving; here only the worker waits for the disk, and for another process's write lock
// too (SQLite's busy handler sleeps in the worker, up to the write-lock budget, then refuses with
// WriteLockBusyError as a write on the event loop would). The caller's own connection keeps the reads.
import { Worker } from 'node:worker_threads';
import { PAGE_CACHE_KIB } from './shared-file';
import { isSqliteBusy, WriteLockBusyError } from './write-lock';

/** One statement and the rows of parameters it runs with, in order. */
export interface StatementBatch {
  readonly sql: string;
  readonly rows: readonly (readonly (string | number | bigint | Buffer | null)[])[];
}

export interface SqliteWriteThreadOptions {
  readonly synchronous: 'NORMAL' | 'FULL';
  /** secure_delete = ON on the thread's connection (freed bytes zeroed). */
  readonly secureDelete?: boolean;
  /** Longest total wait for another connection's write lock, in ms. */
  readonly writeLockBudgetMs: number;
  /**
   * WAL pages after which a commit of the thread checkpoints the file itself (SQLite's default:
   * 1,000). A file checkpointed in the background (background-checkpoints.ts) takes its far backstop,
   * or every few MB written a commit on the thread would copy the WAL back and wait for the disk.
   */
  readonly autocheckpointPages?: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('cache_size = -' + workerData.pageCacheKib);
db.pragma('busy_timeout = ' + workerData.budgetMs);
db.pragma('synchronous = ' + workerData.synchronous);
if (workerData.secureDelete) db.pragma('secure_delete = ON');
if (workerData.autocheckpointPages !== undefined) db.pragma('wal_autocheckpoint = ' + workerData.autocheckpointPages);
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
const rollback = db.prepare('ROLLBACK');
const statements = new Map();
const prepared = (sql) => {
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
};
const failure = (error) => ({ message: error instanceof Error ? error.message : String(error), code: typeof error === 'object' && error !== null && typeof error.code === 'string' ? error.code : undefined });
parentPort.on('message', ({ id, batches }) => {
  const started = Date.now();
  try {
    begin.run();
  } catch (error) {
    parentPort.postMessage({ id, error: failure(error), waitedMs: Date.now() - started });
    return;
  }
  try {
    const changes = batches.map(({ sql, rows }) => {
      const statement = prepared(sql);
      return rows.map((row) => statement.run(...row).changes);
    });
    commit.run();
    parentPort.postMessage({ id, changes });
  } catch (error) {
    if (db.inTransaction) rollback.run();
    parentPort.postMessage({ id, error: failure(error), waitedMs: Date.now() - started });
  }
});
`;

interface Reply {
  readonly id: number;
  readonly changes?: number[][];
  readonly error?: { readonly message: string; readonly code?: string };
  readonly waitedMs?: number;
}

interface Pending {
  resolve(changes: number[][]): void;
  reject(error: unknown): void;
}

/** A SQLite error as it crossed from the thread: its message and SQLite's code. */
export class SqliteWriteThreadError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SqliteWriteThreadError';
  }
}

export class SqliteWriteThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly inFlight = new Set<Promise<number[][]>>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly options: SqliteWriteThreadOptions,
  ) {}

  /**
   * Runs every batch in one transaction on the thread: all of it is committed (and durable as the
   * file's synchronous setting makes it) when this resolves, with each row's number of changed rows;
   * nothing of it when it rejects (WriteLockBusyError after the budget, or the statement's error).
   */
  run(batches: readonly StatementBatch[]): Promise<number[][]> {
    if (this.closed) return Promise.reject(new Error(`the write thread of ${this.file} is closed`));
    const worker = this.running();
    const id = ++this.nextId;
    const committed = new Promise<number[][]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A commit in flight keeps the process alive until it is answered; an idle thread does not.
      worker.ref();
      worker.postMessage({ id, batches });
    });
    this.inFlight.add(committed);
    const settled = () => this.inFlight.delete(committed);
    committed.then(settled, settled);
    return committed;
  }

  /** Waits for the batches in flight, then ends the thread. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // It keeps nothing but prepared statements and the batch in hand: a small heap is plenty, where
      // V8's default young generation alone may grow to tens of MB per thread.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
      // `role` names the thread for whoever lists a process's threads (test/support/thread-packages-preload.js).
      workerData: { role: 'sqlite-write-thread', driver: require.resolve('better-sqlite3'), pageCacheKib: PAGE_CACHE_KIB, file: this.file, budgetMs: Math.max(0, Math.floor(this.options.writeLockBudgetMs)), synchronous: this.options.synchronous, secureDelete: this.options.secureDelete === true, autocheckpointPages: this.options.autocheckpointPages },
    });
    worker.on('message', (reply: Reply) => this.answer(reply));
    worker.on('error', (error: Error) => this.stopped(worker, error));
    worker.once('exit', (code) => this.stopped(worker, new Error(`the write thread of ${this.file} stopped (exit code ${code})`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private answer(reply: Reply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.changes) return pending.resolve(reply.changes);
    const { message, code } = reply.error ?? { message: 'unknown failure' };
    if (isSqliteBusy(reply.error)) return pending.reject(new WriteLockBusyError(this.file, reply.waitedMs ?? 0));
    pending.reject(new SqliteWriteThreadError(message, code));
  }

  /** A thread that failed fails what it had in flight; the next batch starts a new one. */
  private stopped(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const { reject } of pending) reject(error);
  }
}
