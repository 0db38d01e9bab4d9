// The embedded EventStore: one SQLite file (better-sqlite3, WAL), group commit, in-process live subscriptions.
// Several processes may write the same file: SQLite serialises their transactions, and a write that
// finds the lock taken waits for it on a timer, never on the event loop's thread.
import Database from 'better-sqlite3';
import { systemClock, type Clock, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import {
  checkpointInBackground, DEFAULT_WRITE_LOCK_BUDGET_MS, isSqliteBusy, READ_BUSY_TIMEOUT_MS, tryWriteTransaction, writeLockRetryDelayMs,
  type BackgroundCheckpoints,
} from '@app/sqlite';
import {
  DuplicateEventIdError,
  EventStoreBusyError,
  WrongExpectedRevisionError,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StreamMetadata,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.port';
import { PollingSubscription } from './polling-subscription';

export interface SqliteEventStoreOptions {
  /** NORMAL (default): durable across process crashes; FULL: also across power loss, at a write-throughput cost. */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** How often live subscriptions look for events written by another process on the same file. */
  readonly pollIntervalMs?: number;
  /**
   * How long a write may wait for another process's write lock before it is refused with
   * EventStoreBusyError (default 5 s). The wait is asynchronous: the process keeps serving.
   */
  readonly writeLockBudgetMs?: number;
  /** Most events read per catch-up batch when a subscription gives no maxBatchSize. */
  readonly defaultBatchSize?: number;
  /** Source of `recordedAt`. */
  readonly clock?: Clock;
}

interface EventRow {
  position: number;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A write (an append or a stream-metadata update) waiting for the next group commit. */
interface QueuedWrite {
  /** When it was queued: its wait for another process's write lock is counted from here. */
  readonly queuedAt: number;
  /**
   * Writes inside the group's transaction, or throws to refuse this write alone. Returns the answer
   * to give the caller, which is given only once the transaction has committed.
   */
  readonly apply: (recordedAt: string) => () => void;
  readonly reject: (error: unknown) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    TEXT    NOT NULL UNIQUE,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);
CREATE TABLE IF NOT EXISTS streams (
  stream_id     TEXT PRIMARY KEY,
  last_revision INTEGER,
  metadata      TEXT
);
`;

const UNBOUNDED = -1; // SQLite's LIMIT -1: no limit

export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly filename: string;
  private readonly writeLockBudgetMs: number;
  private readonly checkpoints: BackgroundCheckpoints;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly defaultBatchSize: number;
  private readonly subscriptions = new Set<PollingSubscription>();
  private queue: QueuedWrite[] = [];
  /** The writer loop while the queue has writes; null when idle. */
  private writing: Promise<void> | null = null;
  private closed = false;

  private readonly statements: {
    streamRevision: Database.Statement<[string], { last_revision: number | null }>;
    eventById: Database.Statement<[string], { stream_id: string; revision: number; position: number }>;
    insertEvent: Database.Statement<[string, string, number, string, string, string, string]>;
    upsertStreamRevision: Database.Statement<[string, number]>;
    lastEventOfStream: Database.Statement<[string], { position: number }>;
    readForwards: Database.Statement<[string, number, number], EventRow>;
    readBackwards: Database.Statement<[string, number, number], EventRow>;
    readAll: Database.Statement<[number, number], EventRow>;
    head: Database.Statement<[], { head: number | null }>;
    streamMetadata: Database.Statement<[string], { metadata: string | null }>;
    upsertStreamMetadata: Database.Statement<[string, string]>;
  };

  constructor(filename: string, options: SqliteEventStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.defaultBatchSize = options.defaultBatchSize ?? 500;
    this.filename = filename;
    this.writeLockBudgetMs = Math.max(0, Math.floor(options.writeLockBudgetMs ?? DEFAULT_WRITE_LOCK_BUDGET_MS));
    this.db = new Database(filename);
    // Opening may wait synchronously for another process's lock (switching to WAL, creating the
    // schema): the process serves nothing yet. Once open, writes never wait on this thread.
    this.db.pragma(`busy_timeout = ${this.writeLockBudgetMs}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    this.db.exec(SCHEMA);
    this.db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
    this.checkpoints = checkpointInBackground(this.db, filename);
    this.statements = {
      streamRevision: this.db.prepare('SELECT last_revision FROM streams WHERE stream_id = ?'),
      eventById: this.db.prepare('SELECT stream_id, revision, position FROM events WHERE event_id = ?'),
      insertEvent: this.db.prepare(
        'INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      upsertStreamRevision: this.db.prepare(
        'INSERT INTO streams (stream_id, last_revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET last_revision = excluded.last_revision',
      ),
      lastEventOfStream: this.db.prepare('SELECT position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      readForwards: this.db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?'),
      readBackwards: this.db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?'),
      readAll: this.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?'),
      head: this.db.prepare('SELECT MAX(position) AS head FROM events'),
      streamMetadata: this.db.prepare('SELECT metadata FROM streams WHERE stream_id = ?'),
      upsertStreamMetadata: this.db.prepare(
        'INSERT INTO streams (stream_id, last_revision, metadata) VALUES (?, NULL, ?) ON CONFLICT (stream_id) DO UPDATE SET metadata = excluded.metadata',
      ),
    };
  }

  append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('SqliteEventStore is closed'));
    return new Promise<AppendResult>((resolve, reject) => {
      const pending: PendingAppend = { streamId, events, expectedRevision: options.expectedRevision, resolve, reject };
      this.enqueue({
        queuedAt: Date.now(),
        reject,
        apply: (recordedAt) => {
          const result = this.appendInTransaction(pending, recordedAt);
          return () => resolve(result);
        },
      });
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? UNBOUNDED;
    const rows =
      options.direction === 'backwards'
        ? this.statements.readBackwards.all(streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, limit)
        : this.statements.readForwards.all(streamId, options.fromRevision ?? 0, limit);
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options.after ?? 0, options.maxCount ?? UNBOUNDED);
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    if (this.closed) throw new Error('SqliteEventStore is closed');
    const batchSize = options.maxBatchSize ?? this.defaultBatchSize;
    const subscription = new PollingSubscription({
      after: options.from === 'start' ? 0 : options.from.after,
      read: (after) => this.readAllSync(after, batchSize),
      handler,
      pollIntervalMs: this.pollIntervalMs,
      onEnd: (ended) => this.subscriptions.delete(ended),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<number> {
    return this.statements.head.get()?.head ?? 0;
  }

  async getStreamMetadata(streamId: string): Promise<StreamMetadata> {
    const row = this.statements.streamMetadata.get(streamId);
    return row?.metadata ? (JSON.parse(row.metadata) as StreamMetadata) : {};
  }

  setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void> {
    if (this.closed) return Promise.reject(new Error('SqliteEventStore is closed'));
    // A write like an append (reactors save their checkpoints here): it queues for the next group
    // commit rather than taking the write lock on its own, and never waits for it synchronously.
    return new Promise<void>((resolve, reject) => {
      this.enqueue({
        queuedAt: Date.now(),
        reject,
        apply: () => {
          this.statements.upsertStreamMetadata.run(streamId, JSON.stringify(metadata));
          return () => resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Writes already accepted are written (or refused, once their wait for the lock is over) before the file closes.
    await this.writing;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.checkpoints.stop();
    this.db.close();
  }

  private readAllSync(after: number, limit: number): RecordedEvent[] {
    return this.statements.readAll.all(after, limit).map(toRecordedEvent);
  }

  private enqueue(write: QueuedWrite): void {
    this.queue.push(write);
    // Group commit: every write queued in this tick, or while the lock is taken, shares the next transaction and its fsync.
    this.writing ??= this.writeQueue();
  }

  /**
   * Commits the queue, oldest first, until it is empty. While another process holds the write lock,
   * the queue waits on a timer (backoff with jitter) and takes in new writes behind the old ones;
   * a write whose wait reaches the budget is refused unwritten, the others keep their place.
   */
  private async writeQueue(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    let refusals = 0;
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        if (this.commitGroup(group)) {
          refusals = 0;
          continue;
        }
        refusals += 1;
        const now = Date.now();
        const waiting: QueuedWrite[] = [];
        for (const write of group) {
          if (now - write.queuedAt >= this.writeLockBudgetMs) write.reject(new EventStoreBusyError(this.filename, now - write.queuedAt));
          else waiting.push(write);
        }
        this.queue = [...waiting, ...this.queue];
        if (this.queue.length === 0) break;
        // The oldest write is first; its last try is due when its budget ends.
        const lastTryOfOldest = this.queue[0].queuedAt + this.writeLockBudgetMs - now;
        await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, Math.min(writeLockRetryDelayMs(refusals), lastTryOfOldest))));
      }
    } catch (error) {
      // Not expected (commitGroup answers every failure of a group to its writers); never leave callers hanging.
      for (const write of this.queue.splice(0)) write.reject(error);
    } finally {
      this.writing = null;
    }
  }

  /** One try at committing a group: false when another process holds the write lock (nothing written, nobody answered). */
  private commitGroup(group: readonly QueuedWrite[]): boolean {
    const recordedAt = this.clock.now().toISOString();
    const outcomes: ({ ok: true; answer: () => void } | { ok: false; error: unknown })[] = [];
    try {
      const attempt = tryWriteTransaction(this.db, () => {
        outcomes.length = 0;
        for (const write of group) {
          // A savepoint per write: one refused append rolls back alone and the rest of the group still commits.
          this.db.exec('SAVEPOINT append_one');
          try {
            outcomes.push({ ok: true, answer: write.apply(recordedAt) });
            this.db.exec('RELEASE append_one');
          } catch (error) {
            this.db.exec('ROLLBACK TO append_one');
            this.db.exec('RELEASE append_one');
            // A busy file fails the whole try (and it is tried again), never one write of it.
            if (isSqliteBusy(error)) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      });
      if (attempt.busy) return false;
    } catch (error) {
      for (const write of group) write.reject(error);
      return true;
    }

    group.forEach((write, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) outcome.answer();
      else write.reject(outcome.error);
    });
    for (const subscription of this.subscriptions) subscription.notify();
    return true;
  }

  private appendInTransaction(pending: PendingAppend, recordedAt: string): AppendResult {
    const { streamId, events, expectedRevision } = pending;
    if (events.length > 0) {
      const retried = this.statements.eventById.get(events[0].eventId);
      if (retried) return this.originalResult(streamId, events, retried);
    }

    const current = this.statements.streamRevision.get(streamId)?.last_revision ?? null;
    const actual = current === null ? 'no_stream' : current;
    if (!expectationHolds(expectedRevision, actual)) {
      throw new WrongExpectedRevisionError(streamId, expectedRevision, actual);
    }
    if (events.length === 0) {
      return { nextExpectedRevision: current ?? -1, position: this.statements.lastEventOfStream.get(streamId)?.position ?? 0 };
    }

    let revision = current ?? -1;
    let position = 0;
    for (const event of events) {
      revision += 1;
      try {
        const info = this.statements.insertEvent.run(
          event.eventId,
          streamId,
          revision,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
          recordedAt,
        );
        position = Number(info.lastInsertRowid);
      } catch (error) {
        if (isUniqueEventIdViolation(error)) throw new DuplicateEventIdError(event.eventId, streamId);
        throw error;
      }
    }
    this.statements.upsertStreamRevision.run(streamId, revision);
    return { nextExpectedRevision: revision, position };
  }

  /** A retry of an append already stored: the whole batch must be that earlier append, event for event. */
  private originalResult(
    streamId: string,
    events: readonly NewEvent[],
    first: { stream_id: string; revision: number; position: number },
  ): AppendResult {
    let last = first;
    for (const [index, event] of events.entries()) {
      const stored = index === 0 ? first : this.statements.eventById.get(event.eventId);
      if (!stored || stored.stream_id !== streamId || stored.revision !== first.revision + index) {
        throw new DuplicateEventIdError(stored ? event.eventId : events[0].eventId, streamId);
      }
      last = stored;
    }
    return { nextExpectedRevision: last.revision, position: last.position };
  }
}

function expectationHolds(expected: ExpectedRevision, actual: number | 'no_stream'): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === 'no_stream';
    case 'stream_exists':
      return actual !== 'no_stream';
    default:
      return actual === expected;
  }
}

function isUniqueEventIdViolation(error: unknown): boolean {
  return (
    // Duck-typed, not `instanceof`: under Jest the native module's errors can come from another
    // realm, whose SqliteError and Error classes differ from this module's.
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    String((error as { message?: unknown }).message).includes('events.event_id')
  );
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    revision: row.revision,
    position: row.position,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as RecordedEvent['metadata'],
    recordedAt: row.recorded_at,
  };
}
