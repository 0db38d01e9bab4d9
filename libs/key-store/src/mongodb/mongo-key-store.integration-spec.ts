// Runs the KeyStore contract suite on the MongoDB-wire server at MONGO_URL (FerretDB here), one
// throw-away database per test. Without MONGO_URL it says so once and runs nothing.
import { randomBytes } from 'node:crypto';
import { describeKeyStoreContract } from '../testing/key-store.contract';
import { MasterKeyRing } from '../master-key-ring';
import { MongoKeyStore } from './mongo-key-store';
import { suiteWithoutEngine } from '../../../../test/support/missing-engine';

const mongoUrl = process.env['MONGO_URL']?.trim();

if (!mongoUrl) {
  suiteWithoutEngine('MongoKeyStore contract suite on a MongoDB-wire server', 'MONGO_URL is not set', 'npm run engines:up');
} else {
  const engine = process.env['MONGO_ENGINE']?.trim();
  describe(`MongoKeyStore on ${mongoUrl}${engine ? ` (${engine})` : ''}`, () => {
    describeKeyStoreContract('MongoKeyStore', async () => {
      const database = `chronicle_keys_contract_${randomBytes(4).toString('hex')}`;
      const admin = await MongoKeyStore.connect(mongoUrl, database, new MasterKeyRing([Buffer.alloc(32, 9)]));
      return {
        open: (ring) => MongoKeyStore.connect(mongoUrl, database, ring),
        dispose: async () => {
          await admin.dropDatabase();
          await admin.close();
        },
      };
    });
  });
}
