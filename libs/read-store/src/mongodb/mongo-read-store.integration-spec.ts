// Runs the ReadStore contract suite on the MongoDB-wire server at MONGO_URL (`npm run engines:up`
// starts one and writes it to .engines/engines.env). Without MONGO_URL it says so once and runs nothing.
import { randomBytes } from 'node:crypto';
import { describeReadStoreContract } from '../testing/read-store.contract';
import { MongoReadStore } from './mongo-read-store';

const mongoUrl = process.env['MONGO_URL']?.trim();

if (!mongoUrl) {
  process.stderr.write('MongoDB-wire contract suite SKIPPED: MONGO_URL is not set (run npm run engines:up)\n');
  describe('MongoReadStore', () => {
    it.todo('runs the ReadStore contract suite on a MongoDB-wire server: set MONGO_URL (npm run engines:up)');
  });
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
  });
}
