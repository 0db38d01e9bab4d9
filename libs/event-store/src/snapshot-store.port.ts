// The SnapshotStore port: a cache of a stream's folded state at one revision, so a command on a
// long-lived stream (loyalty-<id>, customer-<id>) reads the events after it instead of the whole
// stream. A snapshot is never the truth: a reader checks it against the stream and ignores it when
// it does not fit, so deleting every snapshot changes no answer. It lives with the event store (a
// table of the SQLite file, `$` streams on EventStoreDB) and never shows in the global log.
// Contract: ./testing/snapshot-store.contract.ts.

export interface Snapshot {
  readonly streamId: string;
  /** Revision of the last event folded into it. */
  readonly revision: number;
  /** The encoding of `data` (a decider's snapshot version): a reader ignores any other. */
  readonly version: string;
  /** Whose events were folded (the customer of the stream), for stores that seal it with their key. */
  readonly customerId: string;
  /** JSON: what the writer needs to resume at `revision` (the encoded state and its own bookkeeping). */
  readonly data: unknown;
}

export interface SnapshotStore {
  /** The latest snapshot written of each stream that has one (missing streams are absent from the map). */
  read(streamIds: readonly string[]): Promise<Map<string, Snapshot>>;
  /** Replaces the stream's snapshot, whatever its revision or version was (the last write wins). */
  write(snapshot: Snapshot): Promise<void>;
  /** Forgets the stream's snapshot, if any. */
  delete(streamId: string): Promise<void>;
  close(): Promise<void>;
}

/** DI token for the SnapshotStore port. */
export const SNAPSHOT_STORE = Symbol('SnapshotStore');
