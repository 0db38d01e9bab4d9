// The embedded EventStore: one SQLite file (better-sqlite3, WAL), group commit, in-process live subscriptions.
// Several processes may write the same file: SQLite serialises their transactions, and a write that
// finds the lock taken waits for it on a timer, never on the event loop's thread.
import type Database from 'better-sqlite3';
import { canonicalJson, systemClock, type Clock, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import {
  checkpointInBackground, DEFAULT_WRITE_LOCK_BUDGET_MS, isSqliteBusy, openSharedSqliteFile, tryWriteTransaction, writeLockRetryDelayMs,
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
  type LogQuery,
  type LogVerification,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ReadStreamsOptions,
  type EventRef,
  type StreamAppend,
  type StreamAppendOutcome,
  type StreamMetadata,
  type SubscribeOptions,
  type Subscription,
  type VerifyLogOptions,
  type VersionedStreamMetadata,
} from '../event-store.port';
import { PollingSubscription } from './polling-subscription';
import { CHAIN_START, chainUnchainedFile, eventHash, logHash, verifySqliteLog } from './sqlite-hash-chain';

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

/** Where an append continues the chains (null fields: an empty log, a new stream). */
interface ChainTip {
  position: number | null;
  log_hash: string | null;
  recorded_at: string | null;
  seq: number | null;
  stream_hash: string | null;
}

/** The log's newest event as the next append continues it (within one appendMany). */
type LogTip = { position: number; log_hash: string | null; recorded_at: string | null };

/** What telling a retry from a reused event id needs of a stored event. */
type StoredEventRow = Pick<EventRow, 'stream_id' | 'revision' | 'position' | 'type' | 'data'>;

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

/** Columns added after the first release, for files created before them. */
const MIGRATIONS: readonly { readonly table: string; readonly column: string; readonly definition: string }[] = [
  // Revision of the stream's metadata, for compare-and-set (leases); NULL while never set.
  { table: 'streams', column: 'metadata_revision', definition: 'INTEGER' },
  // Tamper evidence (sqlite-hash-chain.ts): the stream chain and the log chain.
  { table: 'events', column: 'hash', definition: 'TEXT' },
  { table: 'events', column: 'log_hash', definition: 'TEXT' },
  // metadata.customerId as a column of its own, for the by-customer index: cheaper to index than a
  // json_extract expression (no JSON parsing per insert). verify log checks it against the metadata.
  { table: 'events', column: 'customer_id', definition: 'TEXT' },
];

/**
 * Indexes created after the first release. By customer: an auditor's "everything about customer X"
 * (and the 360 view as of an instant) reads one index range instead of the whole log. An index
 * entry holds the rowid, which is the position, so the range comes out in log order.
 */
const INDEXES = `
CREATE INDEX IF NOT EXISTS events_by_customer ON events (customer_id);
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
  /** Prepared reads of type-filtered subscriptions, one per number of types (a handful of reactors). */
  private readonly typeFilteredReads = new Map<string, Database.Statement>();
  private queue: QueuedWrite[] = [];
  /** The writer loop while the queue has writes; null when idle. */
  private writing: Promise<void> | null = null;
  private closed = false;

  private readonly statements: {
    streamRevision: Database.Statement<[string], { last_revision: number | null }>;
    eventById: Database.Statement<[string], StoredEventRow>;
    insertEvent: Database.Statement<[number, string, string, number, string, string, string, string, string, string, string]>;
    chainTip: Database.Statement<[string, number], ChainTip>;
    positionFrom: Database.Statement<[number], { position: number; recorded_at: string }>;
    upsertStreamRevision: Database.Statement<[string, number]>;
    lastEventOfStream: Database.Statement<[string], { position: number }>;
    readForwards: Database.Statement<[string, number, number], EventRow>;
    readStreams: Database.Statement<[string], EventRow>;
    readStreamsFrom: Database.Statement<[string], EventRow>;
    eventsById: Database.Statement<[string], EventRow>;
    streamHashAt: Database.Statement<[string, number], { hash: string | null }>;
    savepointEntry: Database.Statement<[]>;
    releaseEntry: Database.Statement<[]>;
    rollbackEntry: Database.Statement<[]>;
    readBackwards: Database.Statement<[string, number, number], EventRow>;
    readAll: Database.Statement<[number, number], EventRow>;
    head: Database.Statement<[], { head: number | null }>;
    streamMetadata: Database.Statement<[string], { metadata: string | null; metadata_revision: number | null }>;
    upsertStreamMetadata: Database.Statement<[string, string]>;
    insertFirstStreamMetadata: Database.Statement<[string, string]>;
    replaceStreamMetadataAt: Database.Statement<[string, string, number]>;
  };

  constructor(filename: string, options: SqliteEventStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.defaultBatchSize = options.defaultBatchSize ?? 500;
    this.filename = filename;
    this.writeLockBudgetMs = Math.max(0, Math.floor(options.writeLockBudgetMs ?? DEFAULT_WRITE_LOCK_BUDGET_MS));
    // Opening may wait for another process's lock (switching to WAL, creating and upgrading the
    // schema): the process serves nothing yet. Once open, writes never wait on this thread.
    this.db = openSharedSqliteFile(filename, {
      writeLockBudgetMs: this.writeLockBudgetMs,
      synchronous: options.synchronous === 'FULL' ? 'FULL' : 'NORMAL',
      schema: SCHEMA,
      migrate: (db) => {
        for (const { table, column, definition } of MIGRATIONS) {
          const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
          if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
        }
        db.exec(INDEXES);
        // Events written before the column existed: filled once from their metadata.
        if (db.prepare('SELECT 1 FROM events WHERE customer_id IS NULL LIMIT 1').get() !== undefined) {
          db.exec("UPDATE events SET customer_id = json_extract(metadata, '$.customerId') WHERE customer_id IS NULL");
        }
      },
      // Its own write transactions, in chunks.
      afterMigrate: chainUnchainedFile,
    });
    this.checkpoints = checkpointInBackground(this.db, filename);
    this.statements = {
      streamRevision: this.db.prepare('SELECT last_revision FROM streams WHERE stream_id = ?'),
      eventById: this.db.prepare('SELECT stream_id, revision, position, type, data FROM events WHERE event_id = ?'),
      // The position is given, not left to AUTOINCREMENT: the log chain hashes it before the insert.
      insertEvent: this.db.prepare(
        'INSERT INTO events (position, event_id, stream_id, revision, type, data, metadata, recorded_at, hash, log_hash, customer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // Where both chains continue, in one round trip: the log's newest event, the newest position ever
      // given (a removed tail must not be reused), and the hash of the stream's last event.
      chainTip: this.db.prepare(
        `SELECT tip.position, tip.log_hash, tip.recorded_at, (SELECT seq FROM sqlite_sequence WHERE name = 'events') AS seq,
                (SELECT hash FROM events WHERE stream_id = ? AND revision = ?) AS stream_hash
         FROM (SELECT 1) LEFT JOIN (SELECT position, log_hash, recorded_at FROM events ORDER BY position DESC LIMIT 1) AS tip`,
      ),
      positionFrom: this.db.prepare('SELECT position, recorded_at FROM events WHERE position >= ? ORDER BY position ASC LIMIT 1'),
      upsertStreamRevision: this.db.prepare(
        'INSERT INTO streams (stream_id, last_revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET last_revision = excluded.last_revision',
      ),
      lastEventOfStream: this.db.prepare('SELECT position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      readForwards: this.db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?'),
      // The stream ids as one JSON array parameter: one prepared statement for any number of streams,
      // each looked up in the (stream_id, revision) index.
      readStreams: this.db.prepare('SELECT * FROM events WHERE stream_id IN (SELECT value FROM json_each(?)) ORDER BY stream_id, revision'),
      // [[streamId, fromRevision], ...] as one JSON parameter: one (stream_id, revision) index range per stream.
      readStreamsFrom: this.db.prepare(
        "SELECT events.* FROM json_each(?) AS wanted JOIN events ON events.stream_id = json_extract(wanted.value, '$[0]') AND events.revision >= json_extract(wanted.value, '$[1]') ORDER BY events.stream_id, events.revision",
      ),
      // Event ids as one JSON array parameter, each looked up in the unique event-id index.
      eventsById: this.db.prepare('SELECT * FROM events WHERE event_id IN (SELECT value FROM json_each(?))'),
      streamHashAt: this.db.prepare('SELECT hash FROM events WHERE stream_id = ? AND revision = ?'),
      savepointEntry: this.db.prepare('SAVEPOINT append_entry'),
      releaseEntry: this.db.prepare('RELEASE append_entry'),
      rollbackEntry: this.db.prepare('ROLLBACK TO append_entry'),
      readBackwards: this.db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?'),
      readAll: this.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?'),
      head: this.db.prepare('SELECT MAX(position) AS head FROM events'),
      streamMetadata: this.db.prepare('SELECT metadata, metadata_revision FROM streams WHERE stream_id = ?'),
      upsertStreamMetadata: this.db.prepare(
        'INSERT INTO streams (stream_id, last_revision, metadata, metadata_revision) VALUES (?, NULL, ?, 0) ' +
          'ON CONFLICT (stream_id) DO UPDATE SET metadata = excluded.metadata, metadata_revision = COALESCE(streams.metadata_revision, -1) + 1',
      ),
      insertFirstStreamMetadata: this.db.prepare(
        'INSERT INTO streams (stream_id, last_revision, metadata, metadata_revision) VALUES (?, NULL, ?, 0) ' +
          'ON CONFLICT (stream_id) DO UPDATE SET metadata = excluded.metadata, metadata_revision = 0 WHERE streams.metadata_revision IS NULL',
      ),
      replaceStreamMetadataAt: this.db.prepare(
        'UPDATE streams SET metadata = ?, metadata_revision = metadata_revision + 1 WHERE stream_id = ? AND metadata_revision = ?',
      ),
    };
  }

  append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('SqliteEventStore is closed'));
    return new Promise<AppendResult>((resolve, reject) => {
      const pending: StreamAppend = { streamId, events, expectedRevision: options.expectedRevision };
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

  appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    if (this.closed) return Promise.reject(new Error('SqliteEventStore is closed'));
    if (appends.length === 0) return Promise.resolve([]);
    // One queued write: the whole call shares one group commit, so its accepted entries are written
    // together or not at all; a refused entry is rolled back alone.
    return new Promise<StreamAppendOutcome[]>((resolve, reject) => {
      this.enqueue({
        queuedAt: Date.now(),
        reject,
        apply: (recordedAt) => {
          const refusedStreams = new Set<string>();
          const first = this.statements.chainTip.get('', -1) as ChainTip;
          const logTip: LogTip = { position: Math.max(first.position ?? 0, first.seq ?? 0), log_hash: first.log_hash, recorded_at: first.recorded_at };
          const outcomes = appends.map((entry): StreamAppendOutcome => {
            if (refusedStreams.has(entry.streamId)) {
              const current = this.statements.streamRevision.get(entry.streamId)?.last_revision ?? null;
              return { ok: false, error: new WrongExpectedRevisionError(entry.streamId, entry.expectedRevision, current === null ? 'no_stream' : current) };
            }
            const outcome = this.appendEntry(entry, recordedAt, logTip);
            if (!outcome.ok) refusedStreams.add(entry.streamId);
            return outcome;
          });
          return () => resolve(outcomes);
        },
      });
    });
  }

  async readStreams(streamIds: readonly string[], options: ReadStreamsOptions = {}): Promise<Map<string, RecordedEvent[]>> {
    const streams = new Map<string, RecordedEvent[]>(streamIds.map((streamId) => [streamId, []]));
    if (streamIds.length === 0) return streams;
    const unique = [...new Set(streamIds)];
    const from = options.fromRevisions;
    const rows =
      from === undefined || from.size === 0
        ? this.statements.readStreams.all(JSON.stringify(unique))
        : this.statements.readStreamsFrom.all(JSON.stringify(unique.map((streamId) => [streamId, from.get(streamId) ?? 0])));
    for (const row of rows) (streams.get(row.stream_id) as RecordedEvent[]).push(toRecordedEvent(row));
    return streams;
  }

  async readEventsById(wanted: readonly EventRef[]): Promise<RecordedEvent[]> {
    if (wanted.length === 0) return [];
    const asked = new Set(wanted.map((ref) => `${ref.streamId}\u0000${ref.eventId}`));
    const rows = this.statements.eventsById.all(JSON.stringify([...new Set(wanted.map((ref) => ref.eventId))]));
    return rows.filter((row) => asked.has(`${row.stream_id}\u0000${row.event_id}`)).map(toRecordedEvent);
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

  async queryLog(query: LogQuery): Promise<RecordedEvent[]> {
    let after = query.after ?? 0;
    let until = query.until ?? Number.MAX_SAFE_INTEGER;
    // recordedAt never decreases along the log (appendInTransaction keeps it so): a time range is a
    // position range, found by binary search on the primary key.
    if (query.recordedFrom !== undefined) after = Math.max(after, this.firstPositionRecordedAtOrAfter(query.recordedFrom) - 1);
    if (query.recordedBefore !== undefined) until = Math.min(until, this.firstPositionRecordedAtOrAfter(query.recordedBefore) - 1);
    if (until <= after || query.types?.length === 0) return [];
    const conditions = ['position > ?', 'position <= ?'];
    const parameters: (string | number)[] = [after, until];
    if (query.customerId !== undefined) {
      conditions.push('customer_id = ?');
      parameters.push(query.customerId);
    }
    if (query.types !== undefined) {
      conditions.push(`type IN (${query.types.map(() => '?').join(', ')})`);
      parameters.push(...query.types);
    }
    const sql = `SELECT * FROM events WHERE ${conditions.join(' AND ')} ORDER BY position ASC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...parameters, query.maxCount ?? UNBOUNDED) as EventRow[];
    return rows.map(toRecordedEvent);
  }

  async verifyLog(options: VerifyLogOptions = {}): Promise<LogVerification> {
    return verifySqliteLog(this.db, options);
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    if (this.closed) throw new Error('SqliteEventStore is closed');
    const batchSize = options.maxBatchSize ?? this.defaultBatchSize;
    const subscription = new PollingSubscription({
      after: options.from === 'start' ? 0 : options.from.after,
      read: options.types === undefined ? (after) => this.readPage(after, batchSize) : (after) => this.readPageOfTypes(after, batchSize, options.types ?? []),
      handler,
      ...(options.onPassed ? { onPassed: options.onPassed } : {}),
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
    return (await this.readStreamMetadata(streamId)).metadata;
  }

  async readStreamMetadata(streamId: string): Promise<VersionedStreamMetadata> {
    const row = this.statements.streamMetadata.get(streamId);
    return {
      metadata: row?.metadata ? (JSON.parse(row.metadata) as StreamMetadata) : {},
      revision: row?.metadata_revision ?? null,
    };
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

  compareAndSetStreamMetadata(streamId: string, metadata: StreamMetadata, expectedRevision: number | null): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error('SqliteEventStore is closed'));
    // Leases are taken and renewed here: queued like an append, so a renewal never waits for
    // another process's write lock on the event loop's thread.
    return new Promise<boolean>((resolve, reject) => {
      this.enqueue({
        queuedAt: Date.now(),
        reject,
        apply: () => {
          const json = JSON.stringify(metadata);
          const info =
            expectedRevision === null
              ? this.statements.insertFirstStreamMetadata.run(streamId, json)
              : this.statements.replaceStreamMetadataAt.run(json, streamId, expectedRevision);
          return () => resolve(info.changes === 1);
        },
      });
    });
  }

  /**
   * A write that is rolled back: SQLite opens a file it may not write read-only without a word, and
   * only a write tells.
   */
  async checkWritable(): Promise<void> {
    // Never waits for another process's lock on the event loop: a lock held right now fails the check
    // at once (SQLITE_BUSY); at start-up the caller takes that for a file that takes writes.
    const readTimeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    this.db.exec('BEGIN');
    try {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      this.db.pragma(`user_version = ${version}`);
    } finally {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.db.pragma(`busy_timeout = ${readTimeout}`);
    }
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

  /** The first position whose recordedAt is at or after `instant`; one past the head when there is none. */
  private firstPositionRecordedAtOrAfter(instant: string): number {
    const bound = new Date(instant).toISOString();
    let low = 1;
    let high = (this.statements.head.get()?.head ?? 0) + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const row = this.statements.positionFrom.get(middle);
      if (row === undefined || row.recorded_at >= bound) high = middle;
      else low = row.position + 1;
    }
    return low;
  }

  private readPage(after: number, limit: number): { events: RecordedEvent[]; lookedUpTo: number } {
    const events = this.readAllSync(after, limit);
    return { events, lookedUpTo: events[events.length - 1]?.position ?? after };
  }

  /**
   * The next events of these types after `after`, and how far the log was looked at: up to the head
   * read first (events committed later have higher positions, so they are left for the next read),
   * or up to the last event returned when the page is full. Rows of other types are skipped inside
   * SQLite, never parsed.
   */
  private readPageOfTypes(after: number, limit: number, types: readonly string[]): { events: RecordedEvent[]; lookedUpTo: number } {
    const head = this.statements.head.get()?.head ?? 0;
    if (types.length === 0 || head <= after) return { events: [], lookedUpTo: Math.max(after, head) };
    const sql = `SELECT * FROM events WHERE position > ? AND position <= ? AND type IN (${types.map(() => '?').join(', ')}) ORDER BY position ASC LIMIT ?`;
    let statement = this.typeFilteredReads.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.typeFilteredReads.set(sql, statement);
    }
    const rows = statement.all(after, head, ...types, limit) as EventRow[];
    const events = rows.map(toRecordedEvent);
    return { events, lookedUpTo: events.length === limit ? (events[events.length - 1]?.position ?? head) : head };
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

  /** One entry of appendMany, inside the group's transaction: its result, or its refusal with nothing of it written. */
  private appendEntry(entry: StreamAppend, recordedAt: string, logTip: LogTip): StreamAppendOutcome {
    // A refusal is found before the first insert, or is the unique index refusing an insert: a
    // single event leaves nothing behind, several need a savepoint to undo the ones before it.
    const undoable = entry.events.length > 1;
    if (undoable) this.statements.savepointEntry.run();
    try {
      const result = this.appendInTransaction(entry, recordedAt, logTip);
      if (undoable) this.statements.releaseEntry.run();
      return { ok: true, result };
    } catch (error) {
      if (undoable) {
        this.statements.rollbackEntry.run();
        this.statements.releaseEntry.run();
      }
      if (error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError) return { ok: false, error };
      throw error;
    }
  }

  /**
   * `logTip`: where the log ends, carried from one entry of an appendMany to the next (read on the
   * first, moved on by each one written); undefined for a single append.
   */
  private appendInTransaction(pending: StreamAppend, recordedAt: string, logTip?: LogTip): AppendResult {
    const { streamId, events, expectedRevision } = pending;
    if (events.length > 0) {
      const retried = this.statements.eventById.get(events[0].eventId);
      if (retried) return this.originalResult(pending, retried);
    }

    const current = this.statements.streamRevision.get(streamId)?.last_revision ?? null;
    const actual = current === null ? 'no_stream' : current;
    if (!expectationHolds(expectedRevision, actual)) {
      throw new WrongExpectedRevisionError(streamId, expectedRevision, actual);
    }
    if (events.length === 0) {
      return { nextExpectedRevision: current ?? -1, position: this.statements.lastEventOfStream.get(streamId)?.position ?? 0, deduplicated: false };
    }

    // The chains continue from the newest event of the log and of the stream (this transaction holds
    // the write lock, so nobody else appends meanwhile). recordedAt never goes back along the log,
    // even if the clock does, so a time range of the log is a position range.
    // Within one appendMany the log's tip is the previous entry's last event, known already: only the
    // stream's own tip is read, and a new stream has none.
    const tip: ChainTip =
      logTip === undefined
        ? (this.statements.chainTip.get(streamId, current ?? -1) as ChainTip)
        : { position: logTip.position, log_hash: logTip.log_hash, recorded_at: logTip.recorded_at, seq: logTip.position, stream_hash: current === null ? null : (this.statements.streamHashAt.get(streamId, current)?.hash ?? null) };
    let position = Math.max(tip.position ?? 0, tip.seq ?? 0);
    let previousInLog = tip.log_hash ?? CHAIN_START;
    const recorded = tip.recorded_at !== null && tip.recorded_at > recordedAt ? tip.recorded_at : recordedAt;
    let previousInStream = tip.stream_hash ?? CHAIN_START;
    let revision = current ?? -1;
    for (const event of events) {
      revision += 1;
      position += 1;
      const stored = { eventId: event.eventId, streamId, revision, type: event.type, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata), recordedAt: recorded };
      const hash = eventHash(previousInStream, stored);
      const chained = logHash(previousInLog, position, hash);
      try {
        this.statements.insertEvent.run(position, stored.eventId, streamId, revision, stored.type, stored.data, stored.metadata, recorded, hash, chained, event.metadata.customerId);
      } catch (error) {
        if (isUniqueEventIdViolation(error)) throw new DuplicateEventIdError(event.eventId, streamId);
        throw error;
      }
      previousInStream = hash;
      previousInLog = chained;
    }
    this.statements.upsertStreamRevision.run(streamId, revision);
    if (logTip !== undefined) Object.assign(logTip, { position, log_hash: previousInLog, recorded_at: recorded });
    return { nextExpectedRevision: revision, position, deduplicated: false };
  }

  /**
   * The first event id is already stored: this is a retry only if the whole batch is that earlier
   * append, event for event (stream, consecutive revisions, type, canonical data), and the expected
   * revision is the one the earlier append had. Runs inside the flush's transaction, so of
   * concurrent appends with the same ids exactly one wrote and every other one lands here.
   */
  private originalResult(pending: StreamAppend, first: StoredEventRow): AppendResult {
    const { streamId, events, expectedRevision } = pending;
    let last = first;
    for (const [index, event] of events.entries()) {
      const stored = index === 0 ? first : this.statements.eventById.get(event.eventId);
      const same =
        stored !== undefined &&
        stored.stream_id === streamId &&
        stored.revision === first.revision + index &&
        stored.type === event.type &&
        canonicalJson(JSON.parse(stored.data)) === canonicalJson(event.data);
      if (!same) throw new DuplicateEventIdError(stored ? event.eventId : events[0].eventId, streamId);
      last = stored;
    }
    const expectedBefore = first.revision === 0 ? 'no_stream' : first.revision - 1;
    if (typeof expectedRevision === 'number' || expectedRevision === 'no_stream') {
      if (expectedRevision !== expectedBefore) {
        const current = this.statements.streamRevision.get(streamId)?.last_revision ?? null;
        throw new WrongExpectedRevisionError(streamId, expectedRevision, current === null ? 'no_stream' : current);
      }
    }
    return { nextExpectedRevision: last.revision, position: last.position, deduplicated: true };
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
