// The EventStore port: what every event store adapter (SQLite embedded, EventStoreDB) must do.
// Its contract suite is in ./testing/event-store.contract.ts.
import { requireInstant, type DomainError, type NewEvent, type RecordedEvent } from '@app/event-sourcing';

/**
 * `no_stream`: the stream must not exist. `stream_exists`: it must exist. `any`: no check.
 * A number: the revision of the stream's last event must be exactly that.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface AppendResult {
  /** Revision of the last event appended (or, for a deduplicated retry, of the original last event). */
  readonly nextExpectedRevision: number;
  /** Global position of the last event appended (or of the original last event). */
  readonly position: number;
  /**
   * True when every event was already in the store, appended earlier with the same ids, types and
   * data: this append wrote nothing and answers the original result. False when it wrote the events.
   */
  readonly deduplicated: boolean;
}

/** One stream's part of a multi-stream append (EventStore.appendMany). */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
}

/**
 * What became of one StreamAppend: what `append` would have answered, or its refusal, nothing of it
 * written: WrongExpectedRevisionError, DuplicateEventIdError, or (CodecEventStore) the DomainError a
 * codec refuses its content with, as `append` would have thrown it.
 */
export type StreamAppendOutcome =
  | { readonly ok: true; readonly result: AppendResult }
  | { readonly ok: false; readonly error: WrongExpectedRevisionError | DuplicateEventIdError | DomainError };

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; defaults to the first (forwards) or last (backwards) event. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadStreamsOptions {
  /**
   * Inclusive start revision per stream (a command resuming from a snapshot reads only the events
   * from the snapshot's revision on); a stream not named here is read from its first event.
   */
  readonly fromRevisions?: ReadonlyMap<string, number>;
}

/** An event looked up by its id within the stream it must belong to (EventStore.readEventsById). */
export interface EventRef {
  readonly streamId: string;
  readonly eventId: string;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this global position. Omit to start at the beginning. */
  readonly after?: number;
  readonly maxCount?: number;
}

/** Where a subscription starts: the beginning, or strictly after a checkpointed global position. */
export type SubscriptionStart = 'start' | { readonly after: number };

/** A filtered page of the global log, in position order. Every field narrows; none given is readAll. */
export interface LogQuery {
  /** Exclusive: events strictly after this global position. */
  readonly after?: number;
  /** Inclusive: events at or before this global position. */
  readonly until?: number;
  /** Only events whose `metadata.customerId` is this (served from a store-side index). */
  readonly customerId?: string;
  /** Only events of these types. */
  readonly types?: readonly string[];
  /** Only events with recordedAt at or after this instant (ISO-8601 with its offset, as isInstant takes it). */
  readonly recordedFrom?: string;
  /** Only events with recordedAt strictly before this instant (ISO-8601 with its offset, as isInstant takes it). */
  readonly recordedBefore?: string;
  readonly maxCount?: number;
}

/**
 * queryLog refuses (rejects with InvalidInstantError naming recordedFrom or recordedBefore) an
 * instant isInstant does not take, before reading anything: a local time would be read in the
 * server's zone, and what Date cannot read was a bare "Invalid time value". Every adapter calls this.
 */
export function checkLogQueryInstants(query: LogQuery): void {
  if (query.recordedFrom !== undefined) requireInstant('recordedFrom', query.recordedFrom);
  if (query.recordedBefore !== undefined) requireInstant('recordedBefore', query.recordedBefore);
}

/** Where a chain of the tamper evidence does not hold: the first such place in log order. */
export interface BrokenLink {
  /** The event at the break, or null when the break is an event missing after `position`. */
  readonly streamId: string | null;
  readonly revision: number | null;
  readonly position: number;
  /** What does not hold, in words (content changed, event missing, order changed...). */
  readonly reason: string;
}

export interface LogVerification {
  readonly ok: boolean;
  /** Events whose links were checked. */
  readonly events: number;
  /** The newest event covered by the global chain and its chain hash: write it down elsewhere to anchor the log. */
  readonly head: { readonly position: number; readonly hash: string } | null;
  /** The first broken link, when not ok. */
  readonly broken?: BrokenLink;
  /**
   * Events after the last point the global chain covers (EventStoreDB: not sealed yet). They are
   * checked against their stream chains only; 0 where the chain is written with every append.
   */
  readonly unsealed: number;
}

export interface VerifyLogOptions {
  /** Called as the walk goes on: events checked so far, the position reached, the head it walks to. */
  readonly onProgress?: (checked: number, position: number, head: number) => void;
}

export interface SubscribeOptions {
  readonly from: SubscriptionStart;
  /** Most events handed to the handler in one call. */
  readonly maxBatchSize?: number;
  /**
   * Only events of these types (stored type names; upcasters keep them). The store filters them
   * out itself, so a follower that needs a few types (a reactor) does not read, decode and decrypt
   * the whole log; it still moves past the others, so it neither re-reads them nor falls behind.
   */
  readonly types?: readonly string[];
  /**
   * With `types`: called when the subscription has handed over (and the handler finished) every
   * event of those types up to this position, having looked past the others, so a follower can tell
   * how far it has followed the log although the last event it was given is older.
   */
  readonly onPassed?: (position: number) => void;
  /**
   * Types whose content (data) the handler reads; events of other types reach it as stored, their
   * data neither decoded nor decrypted (through a CodecEventStore: possibly sealed, possibly of an
   * older schema version), their envelope (type, ids, position, metadata) as usual. For a follower
   * that only needs whose event it is and when (the segments reactor re-evaluates the customer of a
   * purchase without reading it). Omitted: every event is decoded.
   */
  readonly contentOf?: readonly string[];
}

/** Receives events in global order, in batches; the next batch waits for the returned promise. */
export type BatchHandler = (events: readonly RecordedEvent[]) => Promise<void>;

export interface Subscription {
  /** Stops delivering; resolves once the handler is no longer running. */
  close(): Promise<void>;
  /** Settles when the subscription ends: resolves on close, rejects if the handler or the store failed. */
  readonly done: Promise<void>;
}

export interface StreamMetadata {
  /** Events beyond this count may be scavenged (EventStoreDB `$maxCount`). */
  readonly maxCount?: number;
  /** Free-form application metadata (e.g. `{ forgotten: true }`). */
  readonly custom?: Record<string, unknown>;
}

/** Stream metadata with the revision of its last change, for compare-and-set. */
export interface VersionedStreamMetadata {
  readonly metadata: StreamMetadata;
  /** Revision of the last metadata write, or null when the stream's metadata was never set. */
  readonly revision: number | null;
}

export interface EventStore {
  /**
   * Appends atomically. Fails with WrongExpectedRevisionError when `expectedRevision` does not hold.
   *
   * Event ids are unique. Appending events whose ids are already stored is a retry when the stored
   * events are in this stream, at consecutive revisions in this order, with the same types and the
   * same data (compared as canonical JSON; metadata may differ, a retry carries its own), and the
   * retry gives the expected revision the original append had (or `any`/`stream_exists`): it
   * writes nothing and answers the original result with `deduplicated: true`. Any other reuse of a
   * stored id (other data, another type, another order, a known id among new ones) is refused
   * with DuplicateEventIdError (or WrongExpectedRevisionError) and writes nothing. Of concurrent
   * appends with the same ids exactly one writes; the others are deduplicated retries or refused.
   * EventStoreDB looks for stored ids in the target stream only (at the revision the expected
   * revision names); SQLite also refuses an id stored in another stream. Chronicle derives
   * deterministic ids from the stream id, so a reused id never belongs to another stream.
   */
  append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /**
   * Appends to many streams at once (a batch of commands): one outcome per entry, in the order given.
   * Each entry is judged exactly as `append` would judge it (expected revision, retries by event id),
   * against its stream as the entries before it in this call left it, so several entries may target
   * one stream, each expecting the revision the previous one ends at. An entry `append` would refuse
   * is answered with that WrongExpectedRevisionError or DuplicateEventIdError, writes nothing, and
   * does not stop the entries of other streams (a batch answers per item); the later entries of its
   * own stream were decided on it, so they are refused too (WrongExpectedRevisionError with the
   * stream's actual revision), even where their expected revision happens to hold. Any other failure
   * rejects the whole call.
   *
   * SQLite: every accepted entry commits in one transaction, so they are all written or, when the call
   * rejects, none is. EventStoreDB has no multi-stream transaction: entries are appended one stream at
   * a time (streams in parallel, the entries of one stream in order), each atomic on its own, so a
   * rejected call may leave some entries written. A retry of the call is safe for entries with
   * deterministic event ids (the written ones answer `deduplicated`, the others are written), which
   * is every command with a natural key or an Idempotency-Key.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]>;
  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Every event of each stream (from `options.fromRevisions` where given), forwards, in one read where
   * the engine allows it (SQLite: one query); a missing stream maps to an empty array. Each stream id
   * of the argument is a key of the answer.
   */
  readStreams(streamIds: readonly string[], options?: ReadStreamsOptions): Promise<Map<string, RecordedEvent[]>>;
  /**
   * The events among `wanted` that are stored, each in the stream it is asked for (an id stored in
   * another stream is not answered), in no particular order. A command resuming from a snapshot asks
   * this whether its deterministic event ids were written before the snapshot (a retry).
   * SQLite: one query on the unique event-id index for any number of refs. EventStoreDB has no index
   * by event id: it reads each named stream backwards until it has seen every id asked of it, so a
   * miss costs a read of the whole stream, as a command read it before snapshots.
   */
  readEventsById(wanted: readonly EventRef[]): Promise<RecordedEvent[]>;
  /** Events of the global log in order, user events only (no store system events). */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * The global log filtered by position range, customer, types and recordedAt range, in position
   * order, at most maxCount events (user events only, like readAll).
   */
  queryLog(query: LogQuery): Promise<RecordedEvent[]>;
  /**
   * Tamper evidence: every event carries a hash over its stored content chained to the previous event
   * of its stream, and the global log is chained too. Walks both chains and reports the first link
   * that does not hold (content changed, event removed, events reordered).
   */
  verifyLog(options?: VerifyLogOptions): Promise<LogVerification>;
  /** Catch up from `from`, then stay live: every event exactly once, in global order, no gaps. */
  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription;
  /** Global position of the newest user event, or 0 for an empty store. */
  headPosition(): Promise<number>;
  getStreamMetadata(streamId: string): Promise<StreamMetadata>;
  setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void>;
  readStreamMetadata(streamId: string): Promise<VersionedStreamMetadata>;
  /**
   * Replaces the metadata only if its revision is still `expectedRevision` (null: never set);
   * false, and nothing written, when another writer changed it first. Leases build on this.
   */
  compareAndSetStreamMetadata(streamId: string, metadata: StreamMetadata, expectedRevision: number | null): Promise<boolean>;
  /**
   * Fails when the store cannot take a write now (a file opened read-only, a full disk, a lock held
   * too long), writing nothing: start-up refuses such a store and readiness reports it down. Optional:
   * where reads already fail when the server is unreachable, adapters need not implement it.
   */
  checkWritable?(): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or 'no_stream'. */
    readonly actual: number | 'no_stream',
    /**
     * The request field that names the stream (`ticketId` for `ticket-…`), when the writer knows it
     * (the command executor does; a store never does): the 409's errors[] names it.
     */
    readonly field?: string,
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)} but it is at ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The same event id is already in the store for a different append (another stream or position). */
export class DuplicateEventIdError extends Error {
  constructor(
    readonly eventId: string,
    readonly streamId: string,
    /**
     * The request field the event id derives from (the natural id, or the Idempotency-Key header),
     * when the writer knows it (the command executor does; a store never does): the 409's errors[] names it.
     */
    readonly field?: string,
  ) {
    super(`Event id ${eventId} already exists in the store and does not match this append to ${streamId}`);
    this.name = 'DuplicateEventIdError';
  }
}

/**
 * The store could not take a write in time (another process held its write lock for longer than
 * the write may wait). Nothing of it was written, so the very same write may be retried later.
 */
export class EventStoreBusyError extends Error {
  constructor(
    /** Which store: a file name or an address. */
    readonly store: string,
    readonly waitedMs: number,
    /** A fair wait before retrying, for a Retry-After answer. */
    readonly retryAfterSeconds = 1,
  ) {
    super(`The event store ${store} is busy: another process has held its write lock for ${waitedMs} ms, longer than a write may wait; nothing was written, retry later`);
    this.name = 'EventStoreBusyError';
  }
}

/** DI token for the EventStore port. */
export const EVENT_STORE = Symbol('EventStore');
