// The SQLite event store's writes, synchronous, against one write connection: the group commit (one
// transaction, a savepoint per write), retries told apart by event id, and both hash chains. It runs
// in the writer thread (sqlite-writer.worker.ts); requests and answers are plain data, so they cross
// the thread boundary as messages, and the refusals are rebuilt as the port's error classes.
import type Database from 'better-sqlite3';
import { canonicalJson } from '@app/event-sourcing';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, isSqliteBusy, openSharedSqliteFile, tryWriteTransaction, type SharedSqliteFileOptions } from '@app/sqlite';
import {
  DuplicateEventIdError,
  WrongExpectedRevisionError,
  type AppendResult,
  type ExpectedRevision,
  type StreamAppend,
  type StreamAppendOutcome,
  type StreamMetadata,
} from '../event-store.port';
import { CHAIN_START, chainUnchainedFile, eventHash, logHash } from './sqlite-hash-chain';

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

export interface EventLogFileSettings {
  readonly writeLockBudgetMs: number;
  readonly synchronous: 'NORMAL' | 'FULL';
}

/**
 * Opens the event log file with its schema and upgrades in place: the same settings for the reading
 * connection (the store's thread) and the writing one (the writer thread).
 */
export function openEventLogFile(filename: string, settings: EventLogFileSettings): Database.Database {
  const options: SharedSqliteFileOptions = {
    writeLockBudgetMs: settings.writeLockBudgetMs,
    synchronous: settings.synchronous,
    schema: SCHEMA,
    migrate: (db) => {
      for (const { table, column, definition } of MIGRATIONS) {
        if (!hasColumn(db, table, column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
      }
      // A stream's revision is its newest event's (the (stream_id, revision) index answers it): files
      // written before kept a copy in streams.last_revision, one more B-tree write per append. The
      // copy goes, and with it the rows that held nothing else.
      if (hasColumn(db, 'streams', 'last_revision')) {
        db.exec('ALTER TABLE streams DROP COLUMN last_revision');
        db.exec('DELETE FROM streams WHERE metadata IS NULL AND metadata_revision IS NULL');
      }
      db.exec(INDEXES);
      // Events written before the column existed: filled once from their metadata.
      if (db.prepare('SELECT 1 FROM events WHERE customer_id IS NULL LIMIT 1').get() !== undefined) {
        db.exec("UPDATE events SET customer_id = json_extract(metadata, '$.customerId') WHERE customer_id IS NULL");
      }
    },
    // Its own write transactions, in chunks.
    afterMigrate: chainUnchainedFile,
  };
  return openSharedSqliteFile(filename, options);
}

/** One write of a group commit, as plain data. */
export type WriteRequest =
  | { readonly kind: 'append'; readonly append: StreamAppend }
  | { readonly kind: 'appendMany'; readonly appends: readonly StreamAppend[] }
  | { readonly kind: 'setMetadata'; readonly streamId: string; readonly metadata: StreamMetadata }
  | { readonly kind: 'compareAndSetMetadata'; readonly streamId: string; readonly metadata: StreamMetadata; readonly expectedRevision: number | null };

/** An error as it crosses the thread boundary (rebuilt by `rebuildError`). */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: unknown;
  readonly streamId?: string;
  readonly expected?: ExpectedRevision;
  readonly actual?: number | 'no_stream';
  readonly eventId?: string;
}

export type WireStreamAppendOutcome = { readonly ok: true; readonly result: AppendResult } | { readonly ok: false; readonly error: SerializedError };

/** What a write answers once committed: append → AppendResult, appendMany → outcomes, setMetadata → null, compareAndSet → boolean. */
export type WriteAnswer = AppendResult | readonly WireStreamAppendOutcome[] | boolean | null;

export type WriteOutcome = { readonly ok: true; readonly answer: WriteAnswer } | { readonly ok: false; readonly error: SerializedError };

/** One try at a group: busy (another process holds the write lock; nothing written), or one outcome per write, committed. */
export type GroupAttempt = { readonly busy: true } | { readonly busy: false; readonly outcomes: readonly WriteOutcome[] };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof WrongExpectedRevisionError) {
    return { name: error.name, message: error.message, streamId: error.streamId, expected: error.expected, actual: error.actual };
  }
  if (error instanceof DuplicateEventIdError) return { name: error.name, message: error.message, eventId: error.eventId, streamId: error.streamId };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(error.stack !== undefined ? { stack: error.stack } : {}), ...(code !== undefined ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/** The error the writer thread raised, as the same class with the same fields (storage errors keep their SQLite code). */
export function rebuildError(serialized: SerializedError): Error {
  switch (serialized.name) {
    case 'WrongExpectedRevisionError':
      return new WrongExpectedRevisionError(serialized.streamId as string, serialized.expected as ExpectedRevision, serialized.actual as number | 'no_stream');
    case 'DuplicateEventIdError':
      return new DuplicateEventIdError(serialized.eventId as string, serialized.streamId as string);
    default: {
      const error = new Error(serialized.message) as Error & { code?: unknown };
      error.name = serialized.name;
      if (serialized.code !== undefined) error.code = serialized.code;
      if (serialized.stack !== undefined) error.stack = `${serialized.stack}\n    (raised in the SQLite event store's writer thread)`;
      return error;
    }
  }
}

export function rebuildOutcomes(outcomes: readonly WireStreamAppendOutcome[]): StreamAppendOutcome[] {
  return outcomes.map((outcome) =>
    outcome.ok ? outcome : { ok: false, error: rebuildError(outcome.error) as WrongExpectedRevisionError | DuplicateEventIdError },
  );
}

/** Where the log ends as stored (null fields: an empty log). */
interface StoredLogTip {
  position: number | null;
  log_hash: string | null;
  recorded_at: string | null;
  seq: number | null;
}

/** The log's newest event as the next append of a group continues it. */
type LogTip = { position: number; log_hash: string | null; recorded_at: string | null };

/** A stream's newest event, as the next append to it continues it. */
interface StreamTip {
  revision: number;
  hash: string | null;
  position: number;
}

/** What telling a retry from a reused event id needs of a stored event. */
interface StoredEventRow {
  stream_id: string;
  revision: number;
  position: number;
  type: string;
  data: string;
}

export class SqliteEventLogWriter {
  private readonly statements: {
    streamTip: Database.Statement<[string], StreamTip>;
    eventById: Database.Statement<[string], StoredEventRow>;
    insertEvent: Database.Statement<[number, string, string, number, string, string, string, string, string, string, string]>;
    logTip: Database.Statement<[], StoredLogTip>;
    savepointWrite: Database.Statement<[]>;
    releaseWrite: Database.Statement<[]>;
    rollbackWrite: Database.Statement<[]>;
    savepointEntry: Database.Statement<[]>;
    releaseEntry: Database.Statement<[]>;
    rollbackEntry: Database.Statement<[]>;
    upsertStreamMetadata: Database.Statement<[string, string]>;
    insertFirstStreamMetadata: Database.Statement<[string, string]>;
    replaceStreamMetadataAt: Database.Statement<[string, string, number]>;
  };

  /** `db`: a connection opened with openEventLogFile, written by nothing else in this process. */
  constructor(private readonly db: Database.Database) {
    // Checkpoints run in the background thread (checkpointInBackground on the store's connection);
    // this connection keeps the same far threshold as a backstop.
    if (!db.memory) db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    this.statements = {
      // The stream's newest event: its revision (the expectation's check), its hash (where the stream's
      // chain continues) and its position, in one probe of the (stream_id, revision) index.
      streamTip: db.prepare('SELECT revision, hash, position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      eventById: db.prepare('SELECT stream_id, revision, position, type, data FROM events WHERE event_id = ?'),
      // The position is given, not left to AUTOINCREMENT: the log chain hashes it before the insert.
      insertEvent: db.prepare(
        'INSERT INTO events (position, event_id, stream_id, revision, type, data, metadata, recorded_at, hash, log_hash, customer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // Where the log chain continues, in one round trip: the log's newest event and the newest
      // position ever given (a removed tail must not be reused).
      logTip: db.prepare(
        `SELECT tip.position, tip.log_hash, tip.recorded_at, (SELECT seq FROM sqlite_sequence WHERE name = 'events') AS seq
         FROM (SELECT 1) LEFT JOIN (SELECT position, log_hash, recorded_at FROM events ORDER BY position DESC LIMIT 1) AS tip`,
      ),
      // Prepared once: db.exec compiles its SQL on every call, twice per write of every group.
      savepointWrite: db.prepare('SAVEPOINT append_one'),
      releaseWrite: db.prepare('RELEASE append_one'),
      rollbackWrite: db.prepare('ROLLBACK TO append_one'),
      savepointEntry: db.prepare('SAVEPOINT append_entry'),
      releaseEntry: db.prepare('RELEASE append_entry'),
      rollbackEntry: db.prepare('ROLLBACK TO append_entry'),
      upsertStreamMetadata: db.prepare(
        'INSERT INTO streams (stream_id, metadata, metadata_revision) VALUES (?, ?, 0) ' +
          'ON CONFLICT (stream_id) DO UPDATE SET metadata = excluded.metadata, metadata_revision = COALESCE(streams.metadata_revision, -1) + 1',
      ),
      insertFirstStreamMetadata: db.prepare(
        'INSERT INTO streams (stream_id, metadata, metadata_revision) VALUES (?, ?, 0) ' +
          'ON CONFLICT (stream_id) DO UPDATE SET metadata = excluded.metadata, metadata_revision = 0 WHERE streams.metadata_revision IS NULL',
      ),
      replaceStreamMetadataAt: db.prepare(
        'UPDATE streams SET metadata = ?, metadata_revision = metadata_revision + 1 WHERE stream_id = ? AND metadata_revision = ?',
      ),
    };
  }

  /**
   * One try at committing a group: busy when another process holds the write lock (nothing written),
   * else one outcome per write, all committed together. A failure of the transaction itself (the
   * COMMIT, a full disk) is thrown: nothing of the group was written.
   */
  commitGroup(group: readonly WriteRequest[], recordedAt: string): GroupAttempt {
    // Fast path first: a savepoint only around the writes a refusal could leave half done. A write
    // failing for any other reason (a storage error) fails that try as a whole, rolled back, and the
    // group is tried again with a savepoint around every write, so that write fails alone as before.
    try {
      return this.commitGroupOnce(group, recordedAt, false);
    } catch (error) {
      if (!(error instanceof UnexpectedWriteError)) throw error;
      return this.commitGroupOnce(group, recordedAt, true);
    }
  }

  private commitGroupOnce(group: readonly WriteRequest[], recordedAt: string, savepointEach: boolean): GroupAttempt {
    const outcomes: WriteOutcome[] = [];
    const attempt = tryWriteTransaction(this.db, () => {
      outcomes.length = 0;
      // Where the log ends, read once for the group and moved on by each write (a write rolled back
      // puts it back): every append continues the log chain from it instead of querying the tip.
      const logTip = this.readLogTip();
      for (const write of group) {
        const before = { ...logTip };
        // A savepoint per write that needs one: one refused append rolls back alone and the rest of
        // the group still commits. A single-event append is refused before it writes anything (or by
        // the unique index at its one insert), so it needs none on the fast path.
        const savepoint = savepointEach || needsSavepoint(write);
        if (savepoint) this.statements.savepointWrite.run();
        try {
          outcomes.push({ ok: true, answer: this.apply(write, recordedAt, logTip) });
          if (savepoint) this.statements.releaseWrite.run();
        } catch (error) {
          if (savepoint) {
            this.statements.rollbackWrite.run();
            this.statements.releaseWrite.run();
          }
          Object.assign(logTip, before);
          // A busy file fails the whole try (and it is tried again), never one write of it.
          if (isSqliteBusy(error)) throw error;
          if (!savepoint && !isRefusal(error)) throw new UnexpectedWriteError();
          outcomes.push({ ok: false, error: serializeError(error) });
        }
      }
    });
    return attempt.busy ? { busy: true } : { busy: false, outcomes };
  }

  /** The log's newest event (or the newest position ever given, if its tail was removed), inside the write transaction. */
  private readLogTip(): LogTip {
    const tip = this.statements.logTip.get() as StoredLogTip;
    return { position: Math.max(tip.position ?? 0, tip.seq ?? 0), log_hash: tip.log_hash, recorded_at: tip.recorded_at };
  }

  /** One write inside the group's transaction: its answer, or throws to refuse it alone. */
  private apply(write: WriteRequest, recordedAt: string, logTip: LogTip): WriteAnswer {
    switch (write.kind) {
      case 'append':
        return this.appendInTransaction(write.append, recordedAt, logTip);
      case 'appendMany':
        return this.appendMany(write.appends, recordedAt, logTip);
      case 'setMetadata':
        this.statements.upsertStreamMetadata.run(write.streamId, JSON.stringify(write.metadata));
        return null;
      case 'compareAndSetMetadata': {
        const json = JSON.stringify(write.metadata);
        const info =
          write.expectedRevision === null
            ? this.statements.insertFirstStreamMetadata.run(write.streamId, json)
            : this.statements.replaceStreamMetadataAt.run(json, write.streamId, write.expectedRevision);
        return info.changes === 1;
      }
    }
  }

  private appendMany(appends: readonly StreamAppend[], recordedAt: string, logTip: LogTip): WireStreamAppendOutcome[] {
    const refusedStreams = new Set<string>();
    return appends.map((entry): WireStreamAppendOutcome => {
      if (refusedStreams.has(entry.streamId)) {
        const current = this.statements.streamTip.get(entry.streamId)?.revision ?? null;
        return { ok: false, error: serializeError(new WrongExpectedRevisionError(entry.streamId, entry.expectedRevision, current === null ? 'no_stream' : current)) };
      }
      const outcome = this.appendEntry(entry, recordedAt, logTip);
      if (!outcome.ok) refusedStreams.add(entry.streamId);
      return outcome;
    });
  }

  /** One entry of appendMany, inside the group's transaction: its result, or its refusal with nothing of it written. */
  private appendEntry(entry: StreamAppend, recordedAt: string, logTip: LogTip): WireStreamAppendOutcome {
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
      if (error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError) return { ok: false, error: serializeError(error) };
      throw error;
    }
  }

  /** `logTip`: where the log ends, carried along the group (read once, moved on by each event written). */
  private appendInTransaction(pending: StreamAppend, recordedAt: string, logTip: LogTip): AppendResult {
    const { streamId, events, expectedRevision } = pending;
    // A retry (its first event id stored already) is looked for only when the append cannot go
    // ahead as new: its expectation fails, or the unique index refuses its first event id. Either
    // way nothing of it is written yet, and the answer is the one the earlier append had.
    const tip = this.statements.streamTip.get(streamId);
    const current = tip?.revision ?? null;
    const actual = current === null ? 'no_stream' : current;
    if (!expectationHolds(expectedRevision, actual)) {
      const retried = events.length > 0 ? this.statements.eventById.get(events[0].eventId) : undefined;
      if (retried) return this.originalResult(pending, retried);
      throw new WrongExpectedRevisionError(streamId, expectedRevision, actual);
    }
    if (events.length === 0) {
      return { nextExpectedRevision: current ?? -1, position: tip?.position ?? 0, deduplicated: false };
    }

    // The chains continue from the newest event of the log and of the stream (this transaction holds
    // the write lock, so nobody else appends meanwhile). recordedAt never goes back along the log,
    // even if the clock does, so a time range of the log is a position range.
    // The log's tip is known already (read once per group): only the stream's own tip is read, and a
    // new stream has none.
    let position = logTip.position;
    let previousInLog = logTip.log_hash ?? CHAIN_START;
    const recorded = logTip.recorded_at !== null && logTip.recorded_at > recordedAt ? logTip.recorded_at : recordedAt;
    let previousInStream = tip?.hash ?? CHAIN_START;
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
        if (!isUniqueEventIdViolation(error)) throw error;
        // Only the first event's id can make this a retry; nothing of the append is written before it.
        const retried = event === events[0] ? this.statements.eventById.get(event.eventId) : undefined;
        if (retried) return this.originalResult(pending, retried);
        throw new DuplicateEventIdError(event.eventId, streamId);
      }
      previousInStream = hash;
      previousInLog = chained;
    }
    Object.assign(logTip, { position, log_hash: previousInLog, recorded_at: recorded });
    return { nextExpectedRevision: revision, position, deduplicated: false };
  }

  /**
   * The first event id is already stored: this is a retry only if the whole batch is that earlier
   * append, event for event (stream, consecutive revisions, type, canonical data), and the expected
   * revision is the one the earlier append had. Runs inside the group's transaction, so of
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
        const current = this.statements.streamTip.get(streamId)?.revision ?? null;
        throw new WrongExpectedRevisionError(streamId, expectedRevision, current === null ? 'no_stream' : current);
      }
    }
    return { nextExpectedRevision: last.revision, position: last.position, deduplicated: true };
  }
}

/** A write that throws part way cannot be undone without a savepoint: an append of several events (or several appends). */
function needsSavepoint(write: WriteRequest): boolean {
  return (write.kind === 'append' && write.append.events.length > 1) || write.kind === 'appendMany';
}

/** The refusals a write may meet before it has written anything: answered to that write alone. */
function isRefusal(error: unknown): boolean {
  return error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError;
}

/** A write failed other than by a refusal, on the fast path (no savepoint): the whole try is rolled back and run again with savepoints. */
class UnexpectedWriteError extends Error {
  constructor() {
    super('a write of the group failed without a savepoint around it');
  }
}

function hasColumn(db: Database.Database, table: string, column: string): boolean {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some((c) => c.name === column);
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
