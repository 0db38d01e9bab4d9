// The ReadStore port: JSON documents in named collections, written by projectors with a position
// guard, read by the query side through a typed filter (never a raw query string).
// Its contract suite is in ./testing/read-store.contract.ts.

/** A read-model document. `lastPosition` is the global position of the last event applied to it. */
export interface ReadDocument {
  readonly id: string;
  readonly lastPosition: number;
  readonly [field: string]: unknown;
}

export type Scalar = string | number | boolean | null;

/**
 * Conditions on one field (dotted paths reach into nested objects: `profile.email`). Semantics are
 * MongoDB's (a missing field equals null, `ne` matches it, ranges compare same-type values only).
 * Portability gap: on an array-valued field only `contains` and `exists` behave alike in every
 * adapter (MongoDB's eq/ne/in/ranges match array elements, SQLite's compare the whole array).
 */
export interface FieldOperators {
  readonly eq?: Scalar;
  readonly ne?: Scalar;
  readonly gt?: string | number;
  readonly gte?: string | number;
  readonly lt?: string | number;
  readonly lte?: string | number;
  readonly in?: readonly Scalar[];
  /** String starts with this prefix (case-sensitive; store lower-cased copies for case-insensitive search). */
  readonly prefix?: string;
  /** The field is an array that contains this value. */
  readonly contains?: Scalar;
  readonly exists?: boolean;
}

/** All conditions must hold. A bare scalar means `eq`. */
export type FieldFilter = { readonly [field: string]: Scalar | FieldOperators };
export type Filter = FieldFilter | { readonly and: readonly Filter[] } | { readonly or: readonly Filter[] };

export interface SortField {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
}

export interface FindOptions {
  readonly sort?: readonly SortField[];
  readonly limit?: number;
  readonly skip?: number;
}

export interface AggregateSpec {
  /**
   * Fields to group by (empty: one group for the whole match). Keep grouped fields present (null
   * rather than missing): MongoDB groups a missing field apart from null, SQLite together.
   */
  readonly groupBy: readonly string[];
  /** Numeric fields to sum per group. */
  readonly sum?: readonly string[];
}

export interface AggregateRow {
  /** Group key values, by groupBy field name. */
  readonly key: Readonly<Record<string, Scalar>>;
  readonly count: number;
  readonly sums: Readonly<Record<string, number>>;
}

export interface IndexDefinition {
  readonly fields: readonly SortField[];
  /** MongoDB counts a missing field as null here (two documents without it clash); SQLite does not. */
  readonly unique?: boolean;
}

export interface CollectionDefinition {
  readonly name: string;
  readonly indexes: readonly IndexDefinition[];
}

/** Replace-or-insert, applied only if the stored document's lastPosition is lower (or it is absent). */
export interface UpsertWrite {
  readonly kind: 'upsert';
  readonly collection: string;
  readonly doc: ReadDocument;
}

/** Delete, applied only if the stored document's lastPosition is lower than `position`. */
export interface DeleteWrite {
  readonly kind: 'delete';
  readonly collection: string;
  readonly id: string;
  readonly position: number;
}

export type ReadStoreWrite = UpsertWrite | DeleteWrite;

export interface Checkpoint {
  readonly name: string;
  readonly position: number;
}

/** applyBatch's checkpoints: one, several (stored together), or none. */
export type Checkpoints = Checkpoint | readonly Checkpoint[] | undefined;

/** The checkpoints applyBatch was given, as a list. */
export function checkpointList(checkpoints: Checkpoints): readonly Checkpoint[] {
  if (checkpoints === undefined) return [];
  return isCheckpoint(checkpoints) ? [checkpoints] : checkpoints;
}

function isCheckpoint(checkpoints: Checkpoint | readonly Checkpoint[]): checkpoints is Checkpoint {
  return !Array.isArray(checkpoints);
}

export interface ReadStore {
  /** Creates collections and the indexes their queries need; idempotent, called at start. */
  ensureCollections(definitions: readonly CollectionDefinition[]): Promise<void>;
  get<T extends ReadDocument = ReadDocument>(collection: string, id: string): Promise<T | null>;
  getMany<T extends ReadDocument = ReadDocument>(collection: string, ids: readonly string[]): Promise<Map<string, T>>;
  find<T extends ReadDocument = ReadDocument>(collection: string, filter: Filter, options?: FindOptions): Promise<T[]>;
  count(collection: string, filter: Filter): Promise<number>;
  aggregate(collection: string, filter: Filter, spec: AggregateSpec): Promise<AggregateRow[]>;
  /**
   * Applies writes with the position guard (a stale or repeated write is a no-op), then stores the
   * checkpoints if given (a projector's own and, fed by Kafka, its partition's watermark: one write
   * for all). SQLite does it in one transaction. MongoDB has none: it writes collection by
   * collection, the collection the batch touched first last, then the checkpoints, so until it
   * returns a reader may see part of the batch, and a checkpoint is never seen before the documents.
   */
  applyBatch(writes: readonly ReadStoreWrite[], checkpoints?: Checkpoints): Promise<void>;
  getCheckpoint(name: string): Promise<number | null>;
  /** Every stored checkpoint, by name. */
  listCheckpoints(): Promise<Checkpoint[]>;
  deleteCheckpoint(name: string): Promise<void>;
  /** Deletes every document of the collections; the collections and their indexes stay. */
  clear(collections: readonly string[]): Promise<void>;
  /** Removes the collections altogether, documents and indexes (an old read-model generation). */
  drop(collections: readonly string[]): Promise<void>;
  /**
   * Fails when the store cannot take a write now (a file opened read-only, a full disk, a lock held
   * too long), writing nothing: start-up refuses such a store and readiness reports it down. Optional:
   * where reads already fail when the server is unreachable, adapters need not implement it.
   */
  checkWritable?(): Promise<void>;

  /**
   * Makes what overwritten and deleted documents of these collections held unreadable from the
   * store's files (a forget's scrub): SQLite zeroes freed space as it goes (secure_delete) and this
   * truncates its write-ahead log; MongoDB compacts the collections. Documents stay as they are.
   */
  purge(collections: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The store could not take a write in time (another process held its write lock for longer than the
 * write may wait). Nothing of it was written; the projector retries the batch from its checkpoint.
 */
export class ReadStoreBusyError extends Error {
  constructor(
    readonly store: string,
    readonly waitedMs: number,
    why = 'another process has held its write lock',
  ) {
    super(`The read store ${store} is busy: ${why} for ${waitedMs} ms, longer than a write may wait; nothing was written`);
    this.name = 'ReadStoreBusyError';
  }
}

/** DI token for the ReadStore port. */
export const READ_STORE = Symbol('ReadStore');
