// Runs the ReadStore contract suite on the MongoDB-wire server at MONGO_URL (`npm run engines:up`
// starts one and writes it to .engines/engines.env), then the races only a shared server has: another
// writer landing between the adapter's read of the stored positions and its bulk write. Without
// MONGO_URL it says so once and runs nothing.
import { randomBytes } from 'node:crypto';
import { MongoClient, type Collection, type Db, type Document } from 'mongodb';
import type { ReadStoreWrite } from '../read-store.port';
import { describeReadStoreContract } from '../testing/read-store.contract';
import { MongoReadStore } from './mongo-read-store';
import { suiteWithoutEngine } from '../../../../test/support/missing-engine';

const mongoUrl = process.env['MONGO_URL']?.trim();

/**
 * The database as the adapter sees it, except that every bulkWrite first lets `meanwhile` act
 * through another connection: a second projector writing between the adapter's read and its write.
 */
function withWriterBetween(db: Db, meanwhile: (call: number) => Promise<void>): Db {
  let calls = 0;
  const wrapCollection = (collection: Collection<Document>): Collection<Document> =>
    new Proxy(collection, {
      get(target, property, receiver) {
        if (property === 'bulkWrite') {
          return async (...args: Parameters<Collection<Document>['bulkWrite']>) => {
            await meanwhile(calls++);
            return target.bulkWrite(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'collection') return (name: string) => wrapCollection(target.collection(name));
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

if (!mongoUrl) {
  suiteWithoutEngine('MongoReadStore contract suite on a MongoDB-wire server', 'MONGO_URL is not set', 'npm run engines:up');
} else {
  // A throw-away database per run, so runs sharing one server never see each other's documents.
  const database = `chronicle_contract_${randomBytes(4).toString('hex')}`;
  const engine = process.env['MONGO_ENGINE']?.trim();

  describe(`MongoReadStore on ${mongoUrl}${engine ? ` (${engine})` : ''}, database ${database}`, () => {
    afterAll(async () => {
      const store = await MongoReadStore.connect(mongoUrl, database);
      try {
        await store.dropDatabase();
      } finally {
        await store.close();
      }
    });

    describeReadStoreContract('MongoReadStore', async () => {
      const store = await MongoReadStore.connect(mongoUrl, database);
      return { store, dispose: () => store.close() };
    });

    describe('another writer between the read of the stored positions and the bulk write', () => {
      let client: MongoClient;
      let collection: string;
      let sequence = 0;
      const upsert = (id: string, lastPosition: number, by = 'batch'): ReadStoreWrite => ({ kind: 'upsert', collection, doc: { id, lastPosition, by } });

      beforeAll(async () => {
        client = await new MongoClient(mongoUrl).connect();
      });
      afterAll(async () => {
        await client.close();
      });
      beforeEach(() => {
        sequence += 1;
        collection = `race_${sequence}`;
      });

      /** A store whose first bulk write is preceded by `before` (through another connection). */
      const storeWithWriterBefore = (before: (other: Collection<{ _id: string; lastPosition: number; by: string }>) => Promise<unknown>): MongoReadStore => {
        const db = withWriterBetween(client.db(database), async (call) => {
          if (call === 0) await before(client.db(database).collection(collection));
        });
        return new MongoReadStore(client, db);
      };
      const stored = () => new MongoReadStore(client, client.db(database)).find(collection, {}, { sort: [{ field: 'id', direction: 'asc' }] });

      it('an older version inserted meanwhile is replaced by the newer write', async () => {
        const store = storeWithWriterBefore((other) => other.insertOne({ _id: 'a', lastPosition: 3, by: 'other' }));
        await store.applyBatch([upsert('a', 7), upsert('b', 8)], { name: `race-${database}-${sequence}`, position: 8 });
        expect(await stored()).toEqual([{ id: 'a', lastPosition: 7, by: 'batch' }, { id: 'b', lastPosition: 8, by: 'batch' }]);
      });

      it('a newer version inserted meanwhile is kept, and the writes after the refused one land', async () => {
        const store = storeWithWriterBefore((other) => other.insertOne({ _id: 'a', lastPosition: 9, by: 'other' }));
        await store.applyBatch([upsert('a', 7), upsert('b', 8), upsert('c', 8)]);
        expect(await stored()).toEqual([{ id: 'a', lastPosition: 9, by: 'other' }, { id: 'b', lastPosition: 8, by: 'batch' }, { id: 'c', lastPosition: 8, by: 'batch' }]);
      });

      it('a newer version stored meanwhile over a document the batch replaces is kept; the replacements after it land', async () => {
        const seed = new MongoReadStore(client, client.db(database));
        await seed.applyBatch(['a', 'b', 'c'].map((id) => upsert(id, 5, 'seed')));
        const store = storeWithWriterBefore((other) => other.replaceOne({ _id: 'a' }, { lastPosition: 9, by: 'other' }));
        await store.applyBatch([upsert('a', 7), upsert('b', 8), upsert('c', 8)]);
        expect(await stored()).toEqual([{ id: 'a', lastPosition: 9, by: 'other' }, { id: 'b', lastPosition: 8, by: 'batch' }, { id: 'c', lastPosition: 8, by: 'batch' }]);
      });

      it('a document deleted meanwhile takes the write again, as an absent one does', async () => {
        const seed = new MongoReadStore(client, client.db(database));
        await seed.applyBatch([upsert('a', 5, 'seed')]);
        const store = storeWithWriterBefore((other) => other.deleteOne({ _id: 'a' }));
        await store.applyBatch([upsert('a', 7)]);
        expect(await stored()).toEqual([{ id: 'a', lastPosition: 7, by: 'batch' }]);
      });
    });
  });
}
