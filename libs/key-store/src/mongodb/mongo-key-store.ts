// The production KeyStore: one document per customer in a collection of its own database (apart
// from the read models, which rebuilds drop and recreate), `_id` = customer id, the data key wrapped
// by the master key ring. Writes use the driver's default (majority) write concern. A destroy unsets
// the wrapped key and then asks the server to compact the collection, so the engine's free space
// keeps no copy of it (MongoDB: `compact`; FerretDB on SQLite: VACUUM).
import { Logger } from '@nestjs/common';
import { Binary, MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { requireInstant } from '@app/event-sourcing';
import { checkErasureInstants, DataKeyDestroyedError, type DataKey, type DataKeyLookup, type Erasure, type ErasureRequest, type KeyStore } from '../key-store.port';
import { MasterKeyRing } from '../master-key-ring';

export const DATA_KEYS_COLLECTION = 'dataKeys';
const DUPLICATE_KEY = 11000;

interface KeyDocument {
  _id: string;
  keyId: string | null;
  masterKeyId?: string;
  wrapped?: Binary;
  createdAt: string;
  destroyedAt?: string;
  erasure?: ErasureRequest;
  completedAt?: string | null;
}

export class MongoKeyStore implements KeyStore {
  private readonly keys: Collection<KeyDocument>;
  private readonly logger = new Logger('MongoKeyStore');

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly ring: MasterKeyRing,
  ) {
    this.keys = db.collection<KeyDocument>(DATA_KEYS_COLLECTION);
  }

  /** `timeoutMs`: longest an operation waits for a server to take it (the driver's serverSelectionTimeoutMS). */
  static async connect(url: string, database: string, ring: MasterKeyRing, { timeoutMs }: { timeoutMs?: number } = {}): Promise<MongoKeyStore> {
    const client = new MongoClient(url, { ignoreUndefined: true, ...(timeoutMs !== undefined ? { serverSelectionTimeoutMS: timeoutMs } : {}) });
    await client.connect();
    const store = new MongoKeyStore(client, client.db(database), ring);
    const existing = await store.db.listCollections({ name: DATA_KEYS_COLLECTION }, { nameOnly: true }).toArray();
    if (existing.length === 0) await store.db.createCollection(DATA_KEYS_COLLECTION).catch(ignoreExists);
    await store.keys.createIndex({ destroyedAt: 1 });
    return store;
  }

  get databaseName(): string {
    return this.db.databaseName;
  }

  async getOrCreate(customerId: string): Promise<DataKey> {
    let found = await this.keys.findOne({ _id: customerId });
    if (!found) {
      const keyId = randomUUID();
      const { masterKeyId, wrapped } = this.ring.wrap(customerId, keyId, MasterKeyRing.newDataKey());
      try {
        await this.keys.insertOne({ _id: customerId, keyId, masterKeyId, wrapped: new Binary(wrapped), createdAt: new Date().toISOString() });
      } catch (error) {
        // Another process created the customer's key first: theirs is the key.
        if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      }
      found = (await this.keys.findOne({ _id: customerId })) as KeyDocument;
    }
    const lookup = this.lookup(found);
    if (lookup.state !== 'live') throw new DataKeyDestroyedError(customerId);
    return lookup.key;
  }

  async get(customerId: string): Promise<DataKeyLookup> {
    const found = await this.keys.findOne({ _id: customerId });
    return found ? this.lookup(found) : { state: 'none' };
  }

  async destroy(customerId: string, request: ErasureRequest, at: string): Promise<Erasure> {
    checkErasureInstants(request, at);
    const before = await this.keys.findOne({ _id: customerId });
    if (before?.destroyedAt) return erasureOf(before);
    try {
      // Only a document not destroyed yet matches; upsert makes the tombstone of a customer who never had a key.
      await this.keys.updateOne(
        { _id: customerId, destroyedAt: { $exists: false } },
        { $set: { destroyedAt: at, erasure: request, completedAt: null }, $unset: { wrapped: '', masterKeyId: '' }, $setOnInsert: { keyId: null, createdAt: at } },
        { upsert: true },
      );
    } catch (error) {
      // A concurrent destroy won: the upsert found no match and collided with its tombstone.
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
    await this.compact();
    return erasureOf((await this.keys.findOne({ _id: customerId })) as KeyDocument);
  }

  async pendingErasures(limit = 100): Promise<Erasure[]> {
    const pending = await this.keys
      .find({ destroyedAt: { $exists: true }, completedAt: null })
      .sort({ destroyedAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return pending.map(erasureOf);
  }

  async completeErasure(customerId: string, at: string): Promise<void> {
    requireInstant('at', at);
    await this.keys.updateOne({ _id: customerId, destroyedAt: { $exists: true }, completedAt: null }, { $set: { completedAt: at } });
  }

  async rewrap(): Promise<number> {
    let count = 0;
    const stale = this.keys.find({ wrapped: { $exists: true }, masterKeyId: { $ne: this.ring.currentId } });
    for await (const doc of stale) {
      const keyId = doc.keyId as string;
      const key = this.ring.unwrap(doc._id, keyId, { masterKeyId: doc.masterKeyId as string, wrapped: Buffer.from((doc.wrapped as Binary).buffer) });
      const again = this.ring.wrap(doc._id, keyId, key);
      // Guarded on the old wrapping: a key destroyed meanwhile stays destroyed.
      const result = await this.keys.updateOne(
        { _id: doc._id, masterKeyId: doc.masterKeyId, destroyedAt: { $exists: false } },
        { $set: { masterKeyId: again.masterKeyId, wrapped: new Binary(again.wrapped) } },
      );
      count += result.modifiedCount;
    }
    if (count > 0) await this.compact();
    return count;
  }

  /**
   * Asks the engine to rewrite the collection's storage, dropping the bytes of unset keys from its
   * free space. Best effort: the erasure itself is done (the key is unset, the tombstone written),
   * so a server that refuses compact only leaves the old (still wrapped) bytes to be reused.
   */
  private async compact(): Promise<void> {
    try {
      await this.db.command({ compact: DATA_KEYS_COLLECTION, force: true });
    } catch (error) {
      this.logger.warn(`compact ${this.db.databaseName}.${DATA_KEYS_COLLECTION} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Removes the whole key database (tests). */
  async dropDatabase(): Promise<void> {
    await this.db.dropDatabase();
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private lookup(doc: KeyDocument): DataKeyLookup {
    if (doc.destroyedAt) return { state: 'destroyed', erasure: erasureOf(doc) };
    const keyId = doc.keyId as string;
    const key = this.ring.unwrap(doc._id, keyId, { masterKeyId: doc.masterKeyId as string, wrapped: Buffer.from((doc.wrapped as Binary).buffer) });
    return { state: 'live', key: { customerId: doc._id, keyId, key } };
  }
}

function erasureOf(doc: KeyDocument): Erasure {
  return {
    customerId: doc._id,
    keyId: doc.keyId ?? null,
    request: doc.erasure as ErasureRequest,
    destroyedAt: doc.destroyedAt as string,
    completedAt: doc.completedAt ?? null,
  };
}

function ignoreExists(error: unknown): void {
  // NamespaceExists: another process created it between the check and the create.
  if (!(error instanceof MongoServerError && error.code === 48)) throw error;
}
