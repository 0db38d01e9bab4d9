// The EventStore port: what every event store adapter (SQLite embedded, EventStoreDB) must do.
// Its contract suite is in ./testing/event-store.contract.ts.
import type { NewEvent, RecordedEvent } from '@app/event-sourcing';

/**
 * `no_stream`: the stream must not exist. `stream_exists`: it must exist. `any`: no check.
 * A number: the revision of the stream's last event must be exactly that.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface AppendResult {
  /** Revision of the last event appended (or, for an idempotent retry, of the original last event). */
  readonly nextExpectedRevision: number;
  /** Global position of the last event appended. */
  readonly position: number;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; defaults to the first (forwards) or last (backwards) event. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this global position. Omit to start at the beginning. */
  readonly after?: number;
  readonly maxCount?: number;
}

/** Where a subscription starts: the beginning, or strictly after a checkpointed global position. */
export type SubscriptionStart = 'start' | { readonly after: number };

export interface SubscribeOptions {
  readonly from: SubscriptionStart;
  /** Most events handed to the handler in one call. */
  readonly maxBatchSize?: number;
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

export interface EventStore {
  /**
   * Appends atomically. Fails with WrongExpectedRevisionError when `expectedRevision` does not hold.
   * Idempotent by event id: appending events whose ids were already appended, in the same order,
   * to the same stream returns the original result and writes nothing.
   */
  append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of the global log in order, user events only (no store system events). */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch up from `from`, then stay live: every event exactly once, in global order, no gaps. */
  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription;
  /** Global position of the newest user event, or 0 for an empty store. */
  headPosition(): Promise<number>;
  getStreamMetadata(streamId: string): Promise<StreamMetadata>;
  setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or 'no_stream'. */
    readonly actual: number | 'no_stream',
  ) {
    super(`Stream ${streamId}: expected revision ${String(expected)} but it is at ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** The same event id is already in the store for a different append (another stream or position). */
export class DuplicateEventIdError extends Error {
  constructor(readonly eventId: string, readonly streamId: string) {
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
