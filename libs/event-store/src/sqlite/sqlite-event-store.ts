// The embedded EventStore: one SQLite file (better-sqlite3, WAL), group commit, in-process live subscriptions.
// Writes are committed by the writer thread (sqlite-writer-thread.ts), in groups: while it commits one
// group, the next one queues here. Reads and subscriptions use this thread's own connection (WAL).
// Several processes may write the same file: SQLite serialises their transactions, and a write that
// finds the lock taken waits for it on a timer, never on a thread's sleep.
import type Database from 'better-sqlite3';
import { resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { systemClock, type Clock, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { checkpointInBackground, DEFAULT_WRITE_LOCK_BUDGET_MS, noBackgroundCheckpoints, probeWritable, writeLockRetryDelayMs, type BackgroundCheckpoints } from '@app/sqlite';
import {
  EventStoreBusyError,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type ExpectedRevision,
  checkLogQueryInstants,
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
import { openEventLogFile, rebuildError, rebuildOutcomes, type WireStreamAppendOutcome, type WriteAnswer, type WriteRequest } from './sqlite-event-log-writer';
import { verifySqliteLog } from './sqlite-hash-chain';
import { InlineEventLogWriter, processWriterThread, ReadOnlyEventLogWriter, type EventLogWriterHandle, type SqliteWriterThread } from './sqlite-writer-thread';

export interface SqliteEventStoreOptions {
  /** NORMAL (default): durable across process crashes; FULL: also across power loss, at a write-throughput cost. */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** How often live subscriptions read the log whatever they heard (a backstop; default 250 ms). */
  readonly pollIntervalMs?: number;
  /**
   * How often, while subscriptions follow the log, the store asks SQLite whether another connection
   * committed (`PRAGMA data_version`, no read of the log): a commit by another process on the same
   * file wakes them within this (default 10 ms; 0: only the poll). Commits of this process are
   * announced at once either way.
   */
  readonly commitWatchMs?: number;
  /**
   * How long a write may wait for another process's write lock before it is refused with
   * EventStoreBusyError (default 5 s). The wait is asynchronous: the process keeps serving.
   */
  readonly writeLockBudgetMs?: number;
  /** Most events read per catch-up batch when a subscription gives no maxBatchSize. */
  readonly defaultBatchSize?: number;
  /** Source of `recordedAt`. */
  readonly clock?: Clock;
  /** The thread that commits the writes (default: the process's own, shared by every store). */
  readonly writerThread?: SqliteWriterThread;
  /**
   * Only reads and follows the log (the embedded projector thread's store): no writer thread is
   * started, every write (and checkWritable) is refused with EventStoreReadOnlyError, and no
   * background checkpoints are started (the connections that write the file checkpoint it).
   */
  readonly readOnly?: boolean;
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

/** A write (an append or a stream-metadata update) waiting for the next group commit. */
interface QueuedWrite {
  /** When it was queued: its wait for another process's write lock is counted from here. */
  readonly queuedAt: number;
  readonly request: WriteRequest;
  /** Called once the group's transaction has committed, with this write's answer. */
  readonly resolve: (answer: WriteAnswer) => void;
  readonly reject: (error: unknown) => void;
}

const UNBOUNDED = -1; // SQLite's LIMIT -1: no limit

export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly filename: string;
  private readonly writeLockBudgetMs: number;
  private readonly checkpoints: BackgroundCheckpoints;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly commitWatchMs: number;
  /** While subscriptions exist: the timer asking SQLite for commits by other connections. */
  private commitWatch: NodeJS.Timeout | undefined;
  private dataVersion: number | undefined;
  private readonly defaultBatchSize: number;
  private readonly subscriptions = new Set<PollingSubscription>();
  /**
   * Commits of this file by any thread of this process: the embedded projector follows the file
   * from a worker thread while the HTTP thread writes it, and must hear of a commit at once rather
   * than at its next poll. Absent for an in-memory database (no other connection can see it).
   */
  private readonly commits: BroadcastChannel | undefined;
  /** Prepared reads of type-filtered subscriptions, one per number of types (a handful of reactors). */
  private readonly typeFilteredReads = new Map<string, Database.Statement>();
  private queue: QueuedWrite[] = [];
  /** The writer loop while the queue has writes; null when idle. */
  private writing: Promise<void> | null = null;
  private closed = false;

  private readonly writer: EventLogWriterHandle;

  private readonly statements: {
    positionFrom: Database.Statement<[number], { position: number; recorded_at: string }>;
    readForwards: Database.Statement<[string, number, number], EventRow>;
    readStreams: Database.Statement<[string], EventRow>;
    readStreamsFrom: Database.Statement<[string], EventRow>;
    eventsById: Database.Statement<[string], EventRow>;
    readBackwards: Database.Statement<[string, number, number], EventRow>;
    readAll: Database.Statement<[number, number], EventRow>;
    head: Database.Statement<[], { head: number | null }>;
    dataVersion: Database.Statement<[], number>;
    streamMetadata: Database.Statement<[string], { metadata: string | null; metadata_revision: number | null }>;
  };

  constructor(filename: string, options: SqliteEventStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.commitWatchMs = Math.max(0, options.commitWatchMs ?? 10);
    this.defaultBatchSize = options.defaultBatchSize ?? 500;
    this.filename = filename;
    this.writeLockBudgetMs = Math.max(0, Math.floor(options.writeLockBudgetMs ?? DEFAULT_WRITE_LOCK_BUDGET_MS));
    // Opening may wait for another process's lock (switching to WAL, creating and upgrading the
    // schema): the process serves nothing yet. Once open, writes never wait on this thread.
    const settings = { writeLockBudgetMs: this.writeLockBudgetMs, synchronous: options.synchronous === 'FULL' ? ('FULL' as const) : ('NORMAL' as const) };
    this.db = openEventLogFile(filename, settings);
    // A read-only store leaves checkpoints to the connections that write the file (the embedded
    // projector thread's: the HTTP thread's store watches it), keeping only the backstop threshold.
    this.checkpoints = options.readOnly ? noBackgroundCheckpoints(this.db) : checkpointInBackground(this.db, filename);
    if (!this.db.memory) {
      this.commits = new BroadcastChannel(`chronicle-sqlite-commits:${resolve(filename)}`);
      this.commits.onmessage = () => this.wakeSubscriptions();
      // Listening must not keep the process alive.
      this.commits.unref();
    }
    // The schema is in place (opened above), so the writer's own opening never waits long.
    this.writer = options.readOnly
      ? new ReadOnlyEventLogWriter(filename)
      : this.db.memory
        ? new InlineEventLogWriter(this.db)
        : (options.writerThread ?? processWriterThread()).open(filename, settings);
    this.statements = {
      positionFrom: this.db.prepare('SELECT position, recorded_at FROM events WHERE position >= ? ORDER BY position ASC LIMIT 1'),
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
      readBackwards: this.db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?'),
      readAll: this.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?'),
      head: this.db.prepare('SELECT MAX(position) AS head FROM events'),
      // Changes whenever another connection (another process, or this process's writer thread) committed.
      dataVersion: this.db.prepare('PRAGMA data_version').pluck() as Database.Statement<[], number>,
      streamMetadata: this.db.prepare('SELECT metadata, metadata_revision FROM streams WHERE stream_id = ?'),
    };
  }

  append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    return this.write<AppendResult>({ kind: 'append', append: { streamId, events, expectedRevision: options.expectedRevision } });
  }

  appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    if (this.closed) return Promise.reject(new Error('SqliteEventStore is closed'));
    if (appends.length === 0) return Promise.resolve([]);
    // One queued write: the whole call shares one group commit, so its accepted entries are written
    // together or not at all; a refused entry is rolled back alone.
    return this.write<readonly WireStreamAppendOutcome[]>({ kind: 'appendMany', appends }).then(rebuildOutcomes);
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
    checkLogQueryInstants(query);
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
      onEnd: (ended) => {
        this.subscriptions.delete(ended);
        if (this.subscriptions.size === 0) this.stopCommitWatch();
      },
    });
    this.subscriptions.add(subscription);
    this.startCommitWatch();
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
    // A write like an append (reactors save their checkpoints here): it queues for the next group
    // commit rather than taking the write lock on its own.
    return this.write<null>({ kind: 'setMetadata', streamId, metadata }).then(() => undefined);
  }

  compareAndSetStreamMetadata(streamId: string, metadata: StreamMetadata, expectedRevision: number | null): Promise<boolean> {
    // Leases are taken and renewed here: queued like an append, so a renewal never waits for
    // another process's write lock on the event loop's thread.
    return this.write<boolean>({ kind: 'compareAndSetMetadata', streamId, metadata, expectedRevision });
  }

  /** A write that is rolled back (probeWritable): refused only once the lock is held longer than a write may wait. */
  async checkWritable(): Promise<void> {
    // Writes go through the writer thread: once it stopped (or for a store opened to read only), the store takes none.
    const stopped = this.writer.failure;
    if (stopped) throw stopped;
    await probeWritable(this.db, { budgetMs: this.writeLockBudgetMs, busyError: (waited) => new EventStoreBusyError(this.filename, waited) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Writes already accepted are written (or refused, once their wait for the lock is over) before the file closes.
    await this.writing;
    await this.writer.close();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.stopCommitWatch();
    this.commits?.close();
    await this.checkpoints.stop();
    this.db.close();
  }

  /**
   * Commits by another process reach no BroadcastChannel of this one: while subscriptions follow the
   * log, SQLite's data_version (a counter in the WAL index, no read of the log) is asked every
   * commitWatchMs, and a change wakes them.
   */
  private startCommitWatch(): void {
    if (this.commitWatch || this.commitWatchMs === 0 || this.db.memory || this.closed) return;
    this.dataVersion = this.readDataVersion();
    this.commitWatch = setInterval(() => {
      const version = this.readDataVersion();
      if (version === undefined || version !== this.dataVersion) this.wakeSubscriptions(version);
    }, this.commitWatchMs);
    // Watching must not keep the process alive.
    this.commitWatch.unref();
  }

  /**
   * Wakes every subscription to read the log. What SQLite counts as committed until now is then seen
   * (they read after this), so the watch does not wake them again for a commit already announced.
   */
  private wakeSubscriptions(version = this.commitWatch ? this.readDataVersion() : undefined): void {
    this.dataVersion = version;
    for (const subscription of this.subscriptions) subscription.notify();
  }

  /** undefined when the file cannot be asked now (busy, closing): the subscriptions then read it themselves and meet whatever is wrong in their own loop, where it is reported. */
  private readDataVersion(): number | undefined {
    try {
      return this.statements.dataVersion.get();
    } catch {
      return undefined;
    }
  }

  private stopCommitWatch(): void {
    clearInterval(this.commitWatch);
    this.commitWatch = undefined;
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

  /** Queues a write for the next group commit; settles with its answer once committed, or its refusal. */
  private write<T extends WriteAnswer>(request: WriteRequest): Promise<T> {
    if (this.closed) return Promise.reject(new Error('SqliteEventStore is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ queuedAt: Date.now(), request, resolve: resolve as (answer: WriteAnswer) => void, reject });
      // Group commit: every write queued in this tick, or while the writer commits the previous group
      // or waits for the lock, shares the next transaction and its fsync.
      this.writing ??= this.writeQueue();
    });
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
        if (await this.commitGroup(group)) {
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

  /**
   * One try at committing a group in the writer thread: false when another process holds the write
   * lock (nothing written, nobody answered). Answers are given only after COMMIT, and live
   * subscriptions are told at once.
   */
  private async commitGroup(group: readonly QueuedWrite[]): Promise<boolean> {
    const recordedAt = this.clock.now().toISOString();
    let attempt;
    try {
      attempt = await this.writer.commit(
        group.map((write) => write.request),
        recordedAt,
      );
    } catch (error) {
      // The transaction failed (nothing of the group was written) or the writer thread stopped.
      for (const write of group) write.reject(error);
      return true;
    }
    if (attempt.busy) return false;
    group.forEach((write, index) => {
      const outcome = attempt.outcomes[index];
      if (outcome.ok) write.resolve(outcome.answer);
      else write.reject(rebuildError(outcome.error));
    });
    this.wakeSubscriptions();
    this.commits?.postMessage(null);
    return true;
  }
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
