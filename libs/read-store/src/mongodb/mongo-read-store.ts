// ReadStore on MongoDB (official driver): one collection per read-model collection, `_id` = id.
// Uses only what both real MongoDB and FerretDB 1.24 support: find/sort, bulkWrite, unique indexes,
// aggregation with $match and $group/$sum. No transactions: the checkpoint is written last, so a
// crash between the two replays the batch, and the position guard makes the replay a no-op.
import { Logger } from '@nestjs/common';
import {
  MongoBulkWriteError,
  MongoClient,
  type AnyBulkWriteOperation,
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
import { compileFilter, storedPath } from './mongo-filter';

/** Collection holding one `{ _id: projectorName, position }` document per projector. */
export const CHECKPOINTS_COLLECTION = 'checkpoints';

const DUPLICATE_KEY = 11000;

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

  /** Connects to `url` and uses the database `database` (created on first write). */
  static async connect(url: string, database: string): Promise<MongoReadStore> {
    // ignoreUndefined: a field set to undefined is absent, as in the JSON the SQLite store keeps.
    const client = new MongoClient(url, { ignoreUndefined: true });
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

  async aggregate(collection: string, filter: Filter, spec: AggregateSpec): Promise<AggregateRow[]> {
    // Group keys and sums get positional names: dotted paths are not allowed as field names there.
    const groupId = spec.groupBy.length === 0 ? null : Object.fromEntries(spec.groupBy.map((field, i) => [`g${i}`, `$${storedPath(field)}`]));
    const sums = spec.sum ?? [];
    const group: Document = { _id: groupId, count: { $sum: 1 } };
    sums.forEach((field, i) => (group[`s${i}`] = { $sum: `$${storedPath(field)}` }));

    const raw = await this.db.collection(collection).aggregate([{ $match: compileFilter(filter) }, { $group: group }]).toArray();
    const rows = raw.map((row): AggregateRow => {
      const id = (row['_id'] ?? {}) as Record<string, unknown>;
      return {
        key: Object.fromEntries(spec.groupBy.map((field, i) => [field, toScalar(id[`g${i}`])])),
        count: Number(row['count']),
        sums: Object.fromEntries(sums.map((field, i) => [field, Number(row[`s${i}`] ?? 0)])),
      };
    });
    return rows.sort((a, b) => compareKeys(a.key, b.key, spec.groupBy));
  }

  async applyBatch(writes: readonly ReadStoreWrite[], checkpoint?: Checkpoint): Promise<void> {
    const byCollection = new Map<string, ReadStoreWrite[]>();
    for (const write of latestWritePerDocument(writes)) {
      const list = byCollection.get(write.collection) ?? [];
      list.push(write);
      byCollection.set(write.collection, list);
    }
    const results = await Promise.allSettled([...byCollection].map(([collection, list]) => this.bulkWrite(collection, list)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;

    if (checkpoint) {
      await this.db
        .collection<{ _id: string; position: number }>(CHECKPOINTS_COLLECTION)
        .updateOne({ _id: checkpoint.name }, { $set: { position: checkpoint.position } }, { upsert: true });
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
   * Unordered, so one stale write does not hold up the rest. The guard lives in the filter: a stale
   * upsert finds no match, tries to insert an `_id` that exists and fails with E11000, which is the
   * guard refusing it, not a failure. Any other error, or an E11000 on a document that does not
   * hold a newer position (a unique index clash), is a real failure.
   */
  private async bulkWrite(collection: string, writes: readonly ReadStoreWrite[]): Promise<void> {
    const target = this.db.collection<StoredDocument>(collection);
    const operations = writes.map((write): AnyBulkWriteOperation<StoredDocument> => {
      if (write.kind === 'delete') {
        return { deleteOne: { filter: { _id: write.id, lastPosition: { $lt: write.position } } } };
      }
      const { id, ...fields } = write.doc;
      return {
        replaceOne: {
          filter: { _id: id, lastPosition: { $lt: write.doc.lastPosition } },
          replacement: fields,
          upsert: true,
        },
      };
    });
    try {
      await target.bulkWrite(operations, { ordered: false });
    } catch (error: unknown) {
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      if (writeErrors.length === 0 || writeErrors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
      const refused = writeErrors.map((e) => writes[e.index]);
      const newer = await this.getMany(collection, refused.map(writeId));
      const clash = refused.find((write) => (newer.get(writeId(write))?.lastPosition ?? -Infinity) < writePosition(write));
      if (clash) throw error;
    }
  }
}

function writeId(write: ReadStoreWrite | undefined): string {
  if (!write) throw new Error('bulk write error points at no operation');
  return write.kind === 'delete' ? write.id : write.doc.id;
}

function writePosition(write: ReadStoreWrite | undefined): number {
  if (!write) throw new Error('bulk write error points at no operation');
  return write.kind === 'delete' ? write.position : write.doc.lastPosition;
}

/**
 * One write per document: the one with the highest position (the later one on a tie). An unordered
 * bulk write promises no order (today the driver sends replacements before deletes), and an upsert
 * that ran after a newer delete would bring the document back: the guard has no tombstone to see.
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
