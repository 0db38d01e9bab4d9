// Privacy on the production transport: SQLite event store, relay → Kafka → projector, MongoDB-wire
// read store and key store (FerretDB here). Customers with a marker in every personal field, one
// forgotten, then the raw proof: the Kafka topic read by an independent consumer (kcat) carries no
// personal value of anyone, the event store's files neither, the key store's collection neither,
// every read-model collection none of the forgotten customer's, and, where the FerretDB data folder
// is known (MONGO_DATA_DIR), its SQLite files neither. The other customer and every aggregate stay.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { APPLIED_WATERMARK, type AppliedWatermark } from '@app/platform';
import { MasterKeyRing } from '@app/key-store';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { filesUnder, markersFor, markersFound, rawFiles, recordCustomerWithMarkers } from '../support/personal-markers';
import { readTopicWithKcat, requireKcat } from '../engines/kafka-support/kcat-reader';
import { suiteWithoutEngine } from '../support/missing-engine';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(300_000);

const brokers = process.env['KAFKA_BROKERS']?.trim();
const mongoUrl = process.env['MONGO_URL']?.trim();
const ferretData = process.env['MONGO_DATA_DIR']?.trim();

const KEYS = {
  ingest: 'privacy-engines-ingest-0123456789',
  support: 'privacy-engines-support-0123456789',
  analyst: 'privacy-engines-analyst-0123456789',
  auditor: 'privacy-engines-auditor-0123456789',
  admin: 'privacy-engines-admin-0123456789',
};

if (!brokers || !mongoUrl) {
  suiteWithoutEngine('Privacy on Kafka + MongoDB-wire', 'KAFKA_BROKERS or MONGO_URL is not set', 'npm run engines:up');
} else {
  const run = randomBytes(4).toString('hex');
  const readDb = `privacy_reads_${run}`;
  const keysDb = `privacy_keys_${run}`;
  const topic = `privacy-${run}`;
  const forgotten = { id: 'e-ada', markers: markersFor('ea', 4) };
  const kept = { id: 'e-bob', markers: markersFor('eb', 5) };

  describe(`Privacy on SQLite + Kafka + MongoDB-wire (${process.env['MONGO_ENGINE'] ?? 'MongoDB'})`, () => {
    let dataDir: string;
    let chronicle: RunningChronicle | undefined;
    let mongo: MongoClient;

    beforeAll(async () => {
      await requireKcat();
      dataDir = mkdtempSync(join(tmpdir(), 'chronicle-privacy-engines-'));
      mongo = await new MongoClient(mongoUrl).connect();
      chronicle = await startChronicle({
        DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS: apiKeysSetting(KEYS),
        TRANSPORT: 'kafka', KAFKA_BROKERS: brokers, KAFKA_TOPIC: topic, KAFKA_GROUP: topic, KAFKA_PARTITIONS: '3',
        READ_STORE: 'mongodb', MONGO_URL: mongoUrl, MONGO_DB: readDb,
        KEY_STORE: 'mongodb', KEY_STORE_MONGO_DB: keysDb, MASTER_KEY: MasterKeyRing.generate(),
        SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0',
      });
    });

    afterAll(async () => {
      await chronicle?.close();
      for (const db of [readDb, keysDb]) await mongo?.db(db).dropDatabase().catch(() => undefined);
      await mongo?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** Every document of every collection of a database, as JSON text. */
    async function dump(database: string): Promise<string> {
      const db = mongo.db(database);
      const collections = await db.listCollections({}, { nameOnly: true }).toArray();
      const docs = await Promise.all(collections.map(async ({ name }) => [name, await db.collection(name).find({}).toArray()] as const));
      return JSON.stringify(docs);
    }

    it('forgets one customer and leaves none of their personal values on the topic, in any store or engine file; the rest stays', async () => {
      const url = (chronicle as RunningChronicle).url;
      const api = Object.fromEntries(Object.entries(KEYS).map(([role, key]) => [role, new ApiClient(url, key)])) as Record<keyof typeof KEYS, ApiClient>;
      await recordCustomerWithMarkers(api, forgotten.id, forgotten.markers);
      const last = await recordCustomerWithMarkers(api, kept.id, kept.markers);
      // The applied watermark: every position up to it is in the read models, across the Kafka partitions.
      const watermark = (chronicle as RunningChronicle).app.get<AppliedWatermark>(APPLIED_WATERMARK);
      const applied = (position: number) => eventually(async () => expect(await watermark.read()).toBeGreaterThanOrEqual(position), 60_000);
      await applied(last);
      // The report names its observation date (the request's instant by default): not a figure.
      const kpis = async () => {
        const { asOf: _asOf, ...figures } = (await api.analyst.get('/v1/analytics/kpis?from=2026-01-01&to=2026-12-31&groupBy=day,channel')).body;
        return figures;
      };
      const before = await kpis();
      expect(markersFound(forgotten.markers, [{ where: 'reads', bytes: await dump(readDb) }]).length).toBeGreaterThan(10);

      const forget = await api.admin.post(`/v1/customers/${forgotten.id}/forget`, { reason: 'GDPR art. 17, request DPO-9' });
      expect(forget.status).toBe(200);
      // An aggregate after the write, on this all-in-one process fed by Kafka, waits for the applied watermark.
      const kpisAfter = await api.analyst.get(`/v1/analytics/kpis?from=2026-01-01&to=2026-12-31&groupBy=day,channel&minPosition=${forget.body.position}`);
      expect(kpisAfter.headers['x-chronicle-consistent']).toBe('true');
      // The projector purges the read store before it reports the position reached.
      await applied(forget.body.position);
      const view = await api.support.get(`/v1/customers/${forgotten.id}?minPosition=${forget.body.position}`);
      expect(view.body).toMatchObject({ displayName: '[forgotten]', forgottenAt: expect.any(String), purchases: { count: 1 } });
      expect(await kpis()).toEqual(before);

      // Kafka, read by librdkafka's kcat: sealed values only, for everyone.
      const records = await readTopicWithKcat(brokers, topic);
      expect(records.length).toBeGreaterThan(40);
      expect(records.some((record) => record.value.includes('enc1:'))).toBe(true);
      const topicBytes = [{ where: `topic ${topic}`, bytes: records.map((record) => `${record.key}\n${JSON.stringify(record.headers)}\n${record.value}`).join('\n') }];
      expect(markersFound(forgotten.markers, topicBytes)).toEqual([]);
      expect(markersFound(kept.markers, topicBytes)).toEqual([]);

      // The event store's files and the key store hold no personal value of anyone.
      const eventFiles = rawFiles(filesUnder(dataDir));
      const keys = [{ where: `${keysDb} (MongoDB)`, bytes: await dump(keysDb) }];
      for (const markers of [forgotten.markers, kept.markers]) {
        expect(markersFound(markers, eventFiles)).toEqual([]);
        expect(markersFound(markers, keys)).toEqual([]);
      }
      // Every read-model collection: none of the forgotten customer's, the kept one's all there.
      const reads = [{ where: `${readDb} (MongoDB)`, bytes: await dump(readDb) }];
      expect(markersFound(forgotten.markers, reads)).toEqual([]);
      expect(markersFound(kept.markers, reads).length).toBeGreaterThan(15);

      if (!ferretData) {
        process.stderr.write('FerretDB data files not scanned: MONGO_DATA_DIR (the folder of its SQLite files) is not set\n');
        return;
      }
      const engineFiles = existsSync(ferretData) ? readdirSync(ferretData).filter((name) => name.startsWith(readDb) || name.startsWith(keysDb)).map((name) => join(ferretData, name)) : [];
      expect(engineFiles.length).toBeGreaterThan(0);
      expect(markersFound(forgotten.markers, rawFiles(engineFiles))).toEqual([]);
      expect(markersFound(kept.markers, rawFiles(engineFiles.filter((file) => file.includes(readDb)))).length).toBeGreaterThan(10);
    });
  });
}
