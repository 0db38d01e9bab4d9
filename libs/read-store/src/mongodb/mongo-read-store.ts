// ReadStore on MongoDB (official driver): one collection per read-model collection, `_id` = id.
// Uses only what both real MongoDB and FerretDB 1.24 support: find/sort, ordered bulkWrite, unique
// indexes, aggregation with $match and a $group holding one $sum. No transactions: the checkpoint is
// written last, so a crash between the two replays the batch, and the position guard makes the
// replay a no-op.
import { Logger } from '@nestjs/common';
import {
  MongoBulkWriteError,
  MongoClient,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Document,
  type IndexDirection,
  type Sort,
} from 'mongodb';
import type {
  AggregateRow,
  AggregateSpec,
  Checkpoint,
  CollectionDefinition,
  Filter,
  FindOptions,
  ReadDocument,
  ReadStore,
  ReadStoreWrite,
  Scalar,
  SortField,
} from '../read-store.port';
import { checkpointList, type Checkpoints } from '../read-store.port';
import { compileFilter, storedPath } from './mongo-filter';

/** Collection holding one `{ _id: projectorName, position }` document per projector. */
export const CHECKPOINTS_COLLECTION = 'checkpoints';

const DUPLICATE_KEY = 11000;

/**
 * Replacements per update command. FerretDB 1.24 (SQLite) holds a pooled connection for every
 * statement of an update command that matched a document until the whole command ends, from a pool
 * of 100 per database: a longer command (or a few long ones at once) waits for a connection it
 * holds itself and never answers. Inserts and deletes release theirs, so only replacements count.
 */
const REPLACEMENTS_PER_COMMAND = 32;

/**
 * Rounds in a row in which a duplicate-key error left every remaining write undone before the error
 * is taken as a real failure (a unique-index clash). One such round is a lost race with a concurrent
 * writer that inserted the same document first; the next round replaces it instead.
 */
const ROUNDS_WITHOUT_PROGRESS = 2;

/** A document as stored: the read model's `id` lives in `_id`. */
interface StoredDocument extends Document {
  _id: string;
}

export class MongoReadStore implements ReadStore {
  private readonly logger = new Logger('MongoReadStore');

  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  /**
   * Connects to `url` and uses the database `database` (created on first write). `timeoutMs`: longest
   * an operation waits for a server to take it (the driver's serverSelectionTimeoutMS).
   */
  static async connect(url: string, database: string, { timeoutMs }: { timeoutMs?: number } = {}): Promise<MongoReadStore> {
    // ignoreUndefined: a field set to undefined is absent, as in the JSON the SQLite store keeps.
    const client = new MongoClient(url, { ignoreUndefined: true, ...(timeoutMs !== undefined ? { serverSelectionTimeoutMS: timeoutMs } : {}) });
    await client.connect();
    return new MongoReadStore(client, client.db(database));
  }

  get databaseName(): string {
    return this.db.databaseName;
  }

  async ensureCollections(definitions: readonly CollectionDefinition[]): Promise<void> {
    const existing = new Set((await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    for (const name of [CHECKPOINTS_COLLECTION, ...definitions.map((d) => d.name)]) {
      if (!existing.has(name)) {
        await this.db.createCollection(name);
        existing.add(name);
      }
    }
    for (const definition of definitions) {
      for (const index of definition.indexes) {
        const keys = indexKeys(index.fields);
        // `_id` is always indexed (and unique); a definition on `id` alone needs nothing more.
        if (Object.keys(keys).length === 1 && '_id' in keys) continue;
        await this.db.collection(definition.name).createIndex(keys, index.unique ? { unique: true } : {});
      }
    }
  }

  async get<T extends ReadDocument = ReadDocument>(collection: string, id: string): Promise<T | null> {
    const stored = await this.db.collection<StoredDocument>(collection).findOne({ _id: id });
    return stored ? toReadDocument<T>(stored) : null;
  }

  async getMany<T extends ReadDocument = ReadDocument>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    if (ids.length === 0) return found;
    const cursor = this.db.collection<StoredDocument>(collection).find({ _id: { $in: [...new Set(ids)] } });
    for await (const stored of cursor) {
      const doc = toReadDocument<T>(stored);
      found.set(doc.id, doc);
    }
    return found;
  }

  async find<T extends ReadDocument = ReadDocument>(collection: string, filter: Filter, options: FindOptions = {}): Promise<T[]> {
    let cursor = this.db.collection<StoredDocument>(collection).find(compileFilter(filter)).sort(sortSpec(options.sort ?? []));
    if (options.skip !== undefined && options.skip > 0) cursor = cursor.skip(options.skip);
    if (options.limit !== undefined) {
      // The driver reads limit(0) as "no limit"; the port means "no rows".
      if (options.limit <= 0) return [];
      cursor = cursor.limit(options.limit);
    }
    return (await cursor.toArray()).map((stored) => toReadDocument<T>(stored));
  }

  async count(collection: string, filter: Filter): Promise<number> {
    return this.db.collection(collection).countDocuments(compileFilter(filter));
  }

  /**
   * One pipeline per measure ($match, then a $group with a single $sum), run in parallel and joined
   * by group key: FerretDB 1.24 computes only the first accumulator of a $group stage and answers 0
   * for every later one. The pipelines are separate reads, so a write landing between them can show
   * in some measures of a row and not in others, as with any unsnapshotted read on MongoDB.
   */
  async aggregate(collection: string, filter: Filter, spec: AggregateSpec): Promise<AggregateRow[]> {
    // Group keys get positional names: dotted paths are not allowed as field names there.
    const groupId = spec.groupBy.length === 0 ? null : Object.fromEntries(spec.groupBy.map((field, i) => [`g${i}`, `$${storedPath(field)}`]));
    const match = compileFilter(filter);
    const sums = spec.sum ?? [];
    const accumulate = (value: number | string): Promise<Document[]> =>
      this.db.collection(collection).aggregate([{ $match: match }, { $group: { _id: groupId, value: { $sum: value } } }]).toArray();

    const [counts = [], ...totals] = await Promise.all([accumulate(1), ...sums.map((field) => accumulate(`$${storedPath(field)}`))]);
    const totalsByGroup = totals.map((rows) => new Map(rows.map((row) => [groupKey(row['_id'], spec.groupBy.length), Number(row['value'] ?? 0)])));
    const rows = counts.map((row): AggregateRow => {
      const id = (row['_id'] ?? {}) as Record<string, unknown>;
      const key = groupKey(row['_id'], spec.groupBy.length);
      return {
        key: Object.fromEntries(spec.groupBy.map((field, i) => [field, toScalar(id[`g${i}`])])),
        count: Number(row['value']),
        // A group with no number in a field sums to 0, as $sum gives.
        sums: Object.fromEntries(sums.map((field, i) => [field, totalsByGroup[i]?.get(key) ?? 0])),
      };
    });
    return rows.sort((a, b) => compareKeys(a.key, b.key, spec.groupBy));
  }

  /**
   * Collections one after another (see REPLACEMENTS_PER_COMMAND for why not at once), each through
   * writeCollection, then the checkpoint. Without transactions a reader can see some collections of
   * a batch before others, so the order is chosen: the collection the batch touched first is written
   * last. The runner emits the customer view's writes first, and a query that checks the customer360
   * document for minPosition then reads other collections finds the rest of that batch stored.
   */
  async applyBatch(writes: readonly ReadStoreWrite[], checkpoints?: Checkpoints): Promise<void> {
    const byCollection = new Map<string, ReadStoreWrite[]>();
    for (const write of latestWritePerDocument(writes)) {
      const list = byCollection.get(write.collection) ?? [];
      list.push(write);
      byCollection.set(write.collection, list);
    }
    for (const [collection, list] of [...byCollection].reverse()) await this.writeCollection(collection, list);

    const marks = checkpointList(checkpoints);
    if (marks.length > 0) {
      // Every checkpoint in one request, after the documents.
      await this.db.collection<{ _id: string; position: number }>(CHECKPOINTS_COLLECTION).bulkWrite(
        marks.map((checkpoint) => ({ updateOne: { filter: { _id: checkpoint.name }, update: { $set: { position: checkpoint.position } }, upsert: true } })),
        { ordered: true },
      );
    }
  }

  async getCheckpoint(name: string): Promise<number | null> {
    const stored = await this.db.collection<{ _id: string; position: number }>(CHECKPOINTS_COLLECTION).findOne({ _id: name });
    return stored ? Number(stored.position) : null;
  }

  async listCheckpoints(): Promise<Checkpoint[]> {
    const stored = await this.db.collection<{ _id: string; position: number }>(CHECKPOINTS_COLLECTION).find({}).sort({ _id: 1 }).toArray();
    return stored.map((doc) => ({ name: doc._id, position: Number(doc.position) }));
  }

  async deleteCheckpoint(name: string): Promise<void> {
    await this.db.collection<{ _id: string; position: number }>(CHECKPOINTS_COLLECTION).deleteOne({ _id: name });
  }

  async clear(collections: readonly string[]): Promise<void> {
    for (const collection of collections) await this.db.collection(collection).deleteMany({});
  }

  async drop(collections: readonly string[]): Promise<void> {
    const existing = new Set((await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    for (const collection of collections) if (existing.has(collection)) await this.db.collection(collection).drop();
  }

  /**
   * Compacts each collection, so the storage engine rewrites it without the space overwritten
   * documents occupied (MongoDB `compact`; FerretDB on SQLite runs VACUUM on the database file).
   * Best effort: the documents are already scrubbed, and a server that refuses compact (no
   * `compact` privilege, an Atlas shared tier) must not stop the projector; it is logged.
   */
  async purge(collections: readonly string[]): Promise<void> {
    const existing = new Set((await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    for (const collection of collections) {
      if (!existing.has(collection)) continue;
      try {
        await this.db.command({ compact: collection, force: true });
      } catch (error) {
        this.logger.warn(`compact ${this.db.databaseName}.${collection} failed (old bytes stay until the engine reuses them): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** Drops the whole database: for tests that use a throw-away database per run. */
  async dropDatabase(): Promise<void> {
    await this.db.dropDatabase();
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /**
   * The position guard as a compare-and-set per document, in rounds:
   * 1. read the stored lastPosition of every document still to write (ids and positions only);
   * 2. drop what is settled: an upsert whose document holds its position or a later one, a delete
   *    whose document is gone or holds a later position. Positions only grow, so a write found
   *    stale stays stale;
   * 3. send the rest as ORDERED bulk writes, each operation guarded on its own: deletes and
   *    replacements carry `lastPosition < p` in the filter (atomic per document on MongoDB), a
   *    document that was absent is inserted (the unique `_id` refuses a second copy).
   * A duplicate-key error ends the round: a concurrent writer stored a newer version (the next read
   * settles it), or inserted an older one first (the next round replaces it), or a unique index
   * clashes (nothing moves for ROUNDS_WITHOUT_PROGRESS rounds: thrown). Which operations ran is read
   * back from the store, never taken from the server's report: FerretDB answers index 0 for a
   * failed update command, and neither server is relied on to go on after an error.
   * Concurrent writers of one document (projectors overlapping in a rebalance): on MongoDB the
   * guarded filter and the write are one atomic step per document, so the highest position wins.
   * FerretDB 1.24 evaluates the filter on a read and writes by `_id` afterwards; there two writers
   * of the same existing document can still race, which no client can prevent without transactions.
   */
  private async writeCollection(collection: string, writes: readonly ReadStoreWrite[]): Promise<void> {
    const target = this.db.collection<StoredDocument>(collection);
    let pending = writes;
    let failure: { error: unknown; idleRounds: number } | undefined;
    for (;;) {
      const stored = await storedPositions(target, pending.map(writeId));
      const open = pending.filter((write) => !isSettled(write, stored.get(writeId(write))));
      if (open.length === 0) return;
      if (failure) {
        failure.idleRounds = open.length < pending.length ? 0 : failure.idleRounds + 1;
        if (failure.idleRounds >= ROUNDS_WITHOUT_PROGRESS) throw failure.error;
      }
      pending = open;
      try {
        for (const command of commands(guardedOperations(open, stored))) await target.bulkWrite(command, { ordered: true });
        return;
      } catch (error: unknown) {
        if (!isDuplicateKeyOnly(error)) throw error;
        failure = { error, idleRounds: failure?.idleRounds ?? 0 };
      }
    }
  }
}

/** Stored lastPosition by id, for the ids that exist. */
async function storedPositions(target: Collection<StoredDocument>, ids: readonly string[]): Promise<Map<string, number>> {
  const positions = new Map<string, number>();
  const cursor = target.find({ _id: { $in: [...new Set(ids)] } }, { projection: { lastPosition: 1 } });
  for await (const stored of cursor) positions.set(stored._id, Number(stored['lastPosition']));
  return positions;
}

/** Nothing left to do for this write, given the stored position of its document (undefined: absent). */
function isSettled(write: ReadStoreWrite, stored: number | undefined): boolean {
  if (write.kind === 'delete') return stored === undefined || stored >= write.position;
  return stored !== undefined && stored >= write.doc.lastPosition;
}

/**
 * Deletes, then replacements, then inserts: what frees a unique value goes before what takes one,
 * and each kind stays in one run, so the driver sends few commands.
 */
function guardedOperations(writes: readonly ReadStoreWrite[], stored: ReadonlyMap<string, number>): AnyBulkWriteOperation<StoredDocument>[] {
  const deletes: AnyBulkWriteOperation<StoredDocument>[] = [];
  const replacements: AnyBulkWriteOperation<StoredDocument>[] = [];
  const inserts: AnyBulkWriteOperation<StoredDocument>[] = [];
  for (const write of writes) {
    if (write.kind === 'delete') {
      deletes.push({ deleteOne: { filter: { _id: write.id, lastPosition: { $lt: write.position } } } });
      continue;
    }
    const { id, ...fields } = write.doc;
    if (stored.has(id)) {
      // upsert: a document deleted since the read is absent again, and an absent one takes the write.
      replacements.push({ replaceOne: { filter: { _id: id, lastPosition: { $lt: write.doc.lastPosition } }, replacement: fields, upsert: true } });
    } else {
      inserts.push({ insertOne: { document: { _id: id, ...fields } } });
    }
  }
  return [...deletes, ...replacements, ...inserts];
}

/** Splits operations into bulk writes of at most REPLACEMENTS_PER_COMMAND replacements each. */
function commands(operations: readonly AnyBulkWriteOperation<StoredDocument>[]): AnyBulkWriteOperation<StoredDocument>[][] {
  const result: AnyBulkWriteOperation<StoredDocument>[][] = [];
  let current: AnyBulkWriteOperation<StoredDocument>[] = [];
  let replacements = 0;
  for (const operation of operations) {
    if ('replaceOne' in operation) {
      if (replacements === REPLACEMENTS_PER_COMMAND) {
        result.push(current);
        current = [];
        replacements = 0;
      }
      replacements += 1;
    }
    current.push(operation);
  }
  if (current.length > 0) result.push(current);
  return result;
}

/** A bulk write refused only for duplicate keys (the guard, a race, or a unique index), nothing else. */
function isDuplicateKeyOnly(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError) || error.writeConcernError) return false;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY);
}

function writeId(write: ReadStoreWrite): string {
  return write.kind === 'delete' ? write.id : write.doc.id;
}

function writePosition(write: ReadStoreWrite): number {
  return write.kind === 'delete' ? write.position : write.doc.lastPosition;
}

/**
 * One write per document: the one with the highest position (the later one on a tie). The writes of
 * a collection are sent grouped by kind, not in batch order, and an upsert that ran after a newer
 * delete would bring the document back: the guard has no tombstone to see.
 */
export function latestWritePerDocument(writes: readonly ReadStoreWrite[]): ReadStoreWrite[] {
  const latest = new Map<string, ReadStoreWrite>();
  for (const write of writes) {
    const key = `${write.collection}\u0000${writeId(write)}`;
    const current = latest.get(key);
    if (!current || writePosition(write) >= writePosition(current)) {
      latest.delete(key); // re-insert so the batch keeps the order of each document's final write
      latest.set(key, write);
    }
  }
  return [...latest.values()];
}

function toReadDocument<T extends ReadDocument>(stored: Document): T {
  const { _id, ...fields } = stored;
  return { id: String(_id), ...fields } as unknown as T;
}

function indexKeys(fields: readonly SortField[]): Record<string, IndexDirection> {
  return Object.fromEntries(fields.map((f) => [storedPath(f.field), f.direction === 'asc' ? 1 : -1]));
}

function sortSpec(fields: readonly SortField[]): Sort {
  const spec: Record<string, 1 | -1> = {};
  for (const f of fields) spec[storedPath(f.field)] = f.direction === 'asc' ? 1 : -1;
  // A final tie-break on _id keeps skip/limit pages stable between calls.
  if (!('_id' in spec)) spec['_id'] = 1;
  return spec;
}

/**
 * A group's identity across the pipelines of one aggregate: each key field's type and value, and a
 * missing field apart from null, as $group itself tells them apart.
 */
function groupKey(id: unknown, fields: number): string {
  const parts = id !== null && typeof id === 'object' ? (id as Record<string, unknown>) : {};
  return JSON.stringify(Array.from({ length: fields }, (_, i) => (`g${i}` in parts ? [typeof parts[`g${i}`], parts[`g${i}`]] : ['missing'])));
}

function toScalar(value: unknown): Scalar {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

/** Rows in group-key order (null first, then numbers, then strings), as SQL's GROUP BY tends to give. */
function compareKeys(a: Readonly<Record<string, Scalar>>, b: Readonly<Record<string, Scalar>>, fields: readonly string[]): number {
  for (const field of fields) {
    const order = compareScalars(a[field] ?? null, b[field] ?? null);
    if (order !== 0) return order;
  }
  return 0;
}

function compareScalars(a: Scalar, b: Scalar): number {
  const rank = (v: Scalar): number => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : 3);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (a === b) return 0;
  return (a as string | number) < (b as string | number) ? -1 : 1;
}
