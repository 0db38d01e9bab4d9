// The thread that commits the SQLite event store's writes, so that SQLite, the hash chains and the
// JSON around them never hold the event loop (HTTP, validation, projection). One per process, with
// one write connection per open event log file; started with the first store, ended shortly after
// the last one closes.
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '@app/threads';
import type Database from 'better-sqlite3';
import { rebuildError, SqliteEventLogWriter, type EventLogFileSettings, type GroupAttempt, type WriteRequest } from './sqlite-event-log-writer';
import type { FromWriter, ToWriter } from './sqlite-writer-protocol';

/** A thread with no file open ends after this long; a store opened meanwhile keeps it. */
const IDLE_MS = 1_000;

/**
 * The writer thread stopped (it crashed, ran out of memory, or was terminated) while this store was
 * open: nothing more can be written through it; whether a write in flight was committed is unknown
 * (a retry with the same event ids tells). Restart the process.
 */
export class EventStoreWriterStoppedError extends Error {
  constructor(
    readonly filename: string,
    readonly exitCode: number,
    override readonly cause?: unknown,
  ) {
    super(
      `The SQLite event store's writer thread for ${filename} stopped (exit code ${exitCode}${cause instanceof Error ? `: ${cause.message}` : ''}); ` +
        'no write can be taken until the process restarts',
    );
    this.name = 'EventStoreWriterStoppedError';
  }
}

/** One event log file's writes, through the writer thread. */
export interface EventLogWriterHandle {
  /** One try at a group: busy, or one outcome per write once committed. Rejects when the transaction failed or the thread stopped. */
  commit(writes: readonly WriteRequest[], recordedAt: string): Promise<GroupAttempt>;
  /** Why writes cannot be taken any more (the thread stopped), or undefined while they can. */
  readonly failure: Error | undefined;
  /** Closes the write connection (writes already answered are committed). */
  close(): Promise<void>;
}

/**
 * The writer on the store's own connection, for an in-memory database: a worker's connection to
 * `:memory:` would be another, empty database. Tests and scratch stores only; files use the thread.
 */
export class InlineEventLogWriter implements EventLogWriterHandle {
  private readonly writer: SqliteEventLogWriter;
  readonly failure: Error | undefined = undefined;

  constructor(db: Database.Database) {
    this.writer = new SqliteEventLogWriter(db);
  }

  async commit(writes: readonly WriteRequest[], recordedAt: string): Promise<GroupAttempt> {
    return this.writer.commitGroup(writes, recordedAt);
  }

  async close(): Promise<void> {
    // The store closes the connection it shares with this writer.
  }
}

/**
 * A store opened only to read (the embedded projector thread's, which follows the log the HTTP
 * thread writes): it starts no writer thread, and every write is refused.
 */
export class EventStoreReadOnlyError extends Error {
  constructor(readonly filename: string) {
    super(`The SQLite event store ${filename} was opened for reading only; it takes no writes`);
    this.name = 'EventStoreReadOnlyError';
  }
}

/** The writer of a store opened for reading only: refuses every write, holds no connection or thread. */
export class ReadOnlyEventLogWriter implements EventLogWriterHandle {
  readonly failure: Error;

  constructor(filename: string) {
    this.failure = new EventStoreReadOnlyError(filename);
  }

  async commit(): Promise<GroupAttempt> {
    throw this.failure;
  }

  async close(): Promise<void> {
    // Nothing was opened.
  }
}

type Outgoing = ToWriter extends infer M ? (M extends { request: number } ? Omit<M, 'request'> : never) : never;

/** One running worker; the handles opened on it fail for good if it stops. */
class WriterWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (message: FromWriter) => void; reject: (error: unknown) => void }>();
  private readonly filenames = new Map<number, string>();
  private nextRequest = 0;
  private nextFile = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private cause: unknown;
  /** Set once the worker stopped: its exit code. */
  private exitCode: number | undefined;
  private ending = false;

  constructor(private readonly onExit: (worker: WriterWorker) => void) {
    // From dist/ the compiled module; from the TypeScript sources (Jest, ts-node) through the shared bootstrap.
    this.worker = startModuleWorker(join(__dirname, 'sqlite-writer.worker'), null, { name: 'chronicle-sqlite-writer' });
    this.worker.on('message', (message: FromWriter) => {
      const waiting = this.pending.get(message.request);
      this.pending.delete(message.request);
      if (this.pending.size === 0) this.worker.unref();
      waiting?.resolve(message);
    });
    this.worker.on('error', (error) => {
      this.cause = error;
    });
    this.worker.once('exit', (code) => {
      this.exitCode = code;
      if (this.idleTimer) clearTimeout(this.idleTimer);
      for (const waiting of this.pending.values()) waiting.reject(this.stoppedError('the file', code));
      this.pending.clear();
      this.onExit(this);
    });
    // An idle writer never keeps the process alive; one with a write in flight does (until answered).
    this.worker.unref();
  }

  get alive(): boolean {
    return this.exitCode === undefined && !this.ending;
  }

  open(filename: string, settings: EventLogFileSettings): EventLogWriterHandle {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const file = ++this.nextFile;
    this.filenames.set(file, filename);
    this.worker.postMessage({ kind: 'open', file, filename, settings } satisfies ToWriter);
    let closed: Promise<void> | undefined;
    const failure = (): Error | undefined => (this.exitCode === undefined ? undefined : this.stoppedError(filename, this.exitCode));
    return {
      get failure() {
        return failure();
      },
      commit: async (writes, recordedAt) => {
        const stopped = failure();
        if (stopped) throw stopped;
        const answer = await this.request({ kind: 'commit', file, recordedAt, writes }).catch((error: unknown) => {
          throw failure() ?? error;
        });
        if (answer.kind === 'failed') throw rebuildError(answer.error);
        if (answer.kind !== 'committed') throw new Error(`The writer thread answered a commit with ${answer.kind}`);
        return answer.attempt;
      },
      close: () =>
        (closed ??= (async () => {
          if (this.exitCode === undefined) await this.request({ kind: 'close', file }).catch(() => undefined);
          this.filenames.delete(file);
          if (this.filenames.size === 0) this.endWhenIdle();
        })()),
    };
  }

  async terminate(): Promise<void> {
    if (this.exitCode !== undefined) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    await this.worker.terminate();
    await exited;
  }

  private request(message: Outgoing): Promise<FromWriter> {
    const request = ++this.nextRequest;
    return new Promise<FromWriter>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(request, { resolve, reject });
      try {
        this.worker.postMessage({ ...message, request } as ToWriter);
      } catch (error) {
        // Not cloneable (a function or a symbol in an event): refused before it reached the thread.
        this.pending.delete(request);
        if (this.pending.size === 0) this.worker.unref();
        reject(error);
      }
    });
  }

  private stoppedError(filename: string, code: number): EventStoreWriterStoppedError {
    return new EventStoreWriterStoppedError(filename, code, this.cause);
  }

  private endWhenIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.filenames.size > 0) return;
      // Forgotten at once: a store opened while it ends gets a new worker, not this one.
      this.ending = true;
      void this.worker.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }
}

/** Starts writer workers; each event log file opened on it is written by the current one. */
export class SqliteWriterThread {
  private current: WriterWorker | undefined;

  open(filename: string, settings: EventLogFileSettings): EventLogWriterHandle {
    if (!this.current?.alive) {
      this.current = new WriterWorker((ended) => {
        if (this.current === ended) this.current = undefined;
      });
    }
    return this.current.open(filename, settings);
  }

  /**
   * Ends the thread at once, as a crash would for the stores writing through it: their writes in
   * flight and later ones fail with EventStoreWriterStoppedError, and their readiness reports it.
   */
  async terminate(): Promise<void> {
    await this.current?.terminate();
  }
}

let processWide: SqliteWriterThread | undefined;

/** The process's writer thread, shared by every SqliteEventStore that is given none. */
export function processWriterThread(): SqliteWriterThread {
  return (processWide ??= new SqliteWriterThread());
}

