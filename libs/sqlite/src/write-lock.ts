// Writing to a SQLite file that other processes also write, without ever blocking the event loop:
// SQLite's own busy handler sleeps on the calling thread (Node's only one) while another process
// holds the write lock, so writers here try BEGIN IMMEDIATE with busy_timeout 0 and, when refused,
// try again later from a timer, within a bounded budget.
import type Database from 'better-sqlite3';

/** How long a write may wait, in total, for another process's write lock before it is refused. */
export const DEFAULT_WRITE_LOCK_BUDGET_MS = 5_000;

/**
 * How long a read may wait synchronously. With WAL, readers never wait for writers; they can only
 * meet SQLite's brief exclusive moments (recovery of a crashed writer's WAL, the last connection's
 * checkpoint at close), which a short synchronous wait rides out better than a failed read.
 */
export const READ_BUSY_TIMEOUT_MS = 1_000;

const FIRST_RETRY_MS = 1;
const LONGEST_RETRY_MS = 50;

/** SQLITE_BUSY and its extended codes (duck-typed: under Jest the native errors may come from another realm). */
export function isSqliteBusy(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/**
 * The wait before the next try after `refusals` tries in a row found the lock taken: doubling from
 * 1 ms up to 50 ms, so a short transaction of another process costs little latency and a long one
 * costs few tries; the upper half is random so processes that collided do not retry in lockstep.
 */
export function writeLockRetryDelayMs(refusals: number, random: () => number = Math.random): number {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, refusals - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * A write refused after waiting its whole budget for another process's write lock; nothing of it
 * was written. Its code is SQLite's own, so the HTTP layer answers it as any busy store (503).
 */
export class WriteLockBusyError extends Error {
  readonly code = 'SQLITE_BUSY';

  constructor(
    readonly file: string,
    readonly waitedMs: number,
  ) {
    super(`${file} is busy: another process has held its write lock for ${waitedMs} ms, longer than a write may wait; nothing was written, retry later`);
    this.name = 'WriteLockBusyError';
  }
}

export type WriteAttempt<T> = { readonly busy: true } | { readonly busy: false; readonly value: T };

const BUSY: WriteAttempt<never> = { busy: true };

/**
 * One try at `work` inside BEGIN IMMEDIATE … COMMIT, without waiting: `{ busy: true }` (and nothing
 * written) when another connection holds the write lock, at BEGIN or, in rollback-journal mode, at
 * COMMIT. Any other failure rolls back and is thrown. `work` must be synchronous: a transaction left
 * open across an await would let this connection's other users read uncommitted rows.
 */
export function tryWriteTransaction<T>(db: Database.Database, work: () => T): WriteAttempt<T> {
  const control = controlOf(db);
  const readTimeout = control.busyTimeout.get() as number;
  control.setBusyTimeout(0);
  try {
    try {
      control.begin.run();
    } catch (error) {
      if (isSqliteBusy(error)) return BUSY;
      throw error;
    }
    try {
      const value = work();
      control.commit.run();
      return { busy: false, value };
    } catch (error) {
      if (db.inTransaction) control.rollback.run();
      if (isSqliteBusy(error)) return BUSY;
      throw error;
    }
  } finally {
    control.setBusyTimeout(readTimeout);
  }
}

/**
 * A connection's transaction control, prepared once: `db.exec` and `db.pragma` compile their SQL on
 * every call, which cost as much as the access log's one-row insert it wraps (found profiling reads).
 */
interface TransactionControl {
  readonly begin: Database.Statement;
  readonly commit: Database.Statement;
  readonly rollback: Database.Statement;
  readonly busyTimeout: Database.Statement;
  setBusyTimeout(ms: number): void;
}

const controls = new WeakMap<Database.Database, TransactionControl>();

function controlOf(db: Database.Database): TransactionControl {
  let control = controls.get(db);
  if (control) return control;
  const setters = new Map<number, Database.Statement>();
  control = {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    busyTimeout: db.prepare('PRAGMA busy_timeout').pluck(),
    setBusyTimeout(ms: number): void {
      let setter = setters.get(ms);
      if (!setter) setters.set(ms, (setter = db.prepare(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(ms))}`)));
      setter.get();
    },
  };
  controls.set(db, control);
  return control;
}

export interface WriteTransactionOptions {
  /** Longest total wait for the write lock, in ms. */
  readonly budgetMs: number;
  /** The refusal once the budget is spent (nothing was written). */
  readonly busyError: (waitedMs: number) => Error;
}

/**
 * `work` in a write transaction; while another process holds the write lock, tries again from a
 * timer (the event loop keeps serving) until the budget is spent, then rejects with `busyError`.
 */
export async function writeTransaction<T>(db: Database.Database, work: () => T, options: WriteTransactionOptions): Promise<T> {
  const started = Date.now();
  for (let refusals = 1; ; refusals++) {
    const attempt = tryWriteTransaction(db, work);
    if (!attempt.busy) return attempt.value;
    const waited = Date.now() - started;
    if (waited >= options.budgetMs) throw options.busyError(waited);
    await sleep(Math.min(writeLockRetryDelayMs(refusals), options.budgetMs - waited));
  }
}

const PROBED = Symbol('probed');

/**
 * Proves the file takes writes from this connection: a write that is rolled back (SQLite opens a
 * file it may not write read-only without a word, and only a write tells). While another connection
 * holds the write lock (this process's writer or projector thread in the middle of a commit, or
 * another process) it waits its turn as a write would, from a timer, and only a lock held longer than
 * the budget fails it with `busyError`: a commit in flight is not a store that is down.
 */
export async function probeWritable(db: Database.Database, options: WriteTransactionOptions): Promise<void> {
  await writeTransaction(
    db,
    () => {
      const version = db.pragma('user_version', { simple: true }) as number;
      db.pragma(`user_version = ${version}`);
      throw PROBED; // rolled back: nothing is written
    },
    options,
  ).catch((error: unknown) => {
    if (error !== PROBED) throw error;
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Copies the whole WAL into the database file and truncates it (so earlier page images are gone
 * from disk), without blocking the event loop: a try fails while another connection checkpoints
 * (this process's background checkpointer included) or a reader still needs an older snapshot,
 * and is tried again from a timer until the budget is spent; then `busyError` is thrown.
 */
export async function truncateWal(db: Database.Database, options: WriteTransactionOptions): Promise<void> {
  const started = Date.now();
  const control = controlOf(db);
  for (let refusals = 1; ; refusals++) {
    const readTimeout = control.busyTimeout.get() as number;
    control.setBusyTimeout(0);
    let busy: boolean;
    try {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      busy = result !== undefined && result.busy !== 0;
    } catch (error) {
      if (!isSqliteBusy(error)) throw error;
      busy = true;
    } finally {
      control.setBusyTimeout(readTimeout);
    }
    if (!busy) return;
    const waited = Date.now() - started;
    if (waited >= options.budgetMs) throw options.busyError(waited);
    await sleep(Math.min(writeLockRetryDelayMs(refusals), options.budgetMs - waited));
  }
}
