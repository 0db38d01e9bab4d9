// A CallLogged stored at schema v1 (as a release before v2 wrote it) travels the production path:
// SQLite event store → relay → a real Kafka topic → Kafka projector → MongoDB-wire read models.
// The relay publishes it as v2 (read back by kcat, an independent client), the read models and the
// audit views show it as v2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { createKafkaClient } from '@app/transport/kafka';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { eventually } from './kafka-support/eventually';
import { deleteTopic, freshRunId, kafkaBrokersFromEnv } from './kafka-support/kafka-engine';
import { readTopicWithKcat, requireKcat } from './kafka-support/kcat-reader';
import { dropMongoDatabase } from './kafka-support/engines-under-test';
import { suiteWithoutEngine } from '../support/missing-engine';

const brokers = kafkaBrokersFromEnv();
const mongoUrl = process.env['MONGO_URL']?.trim();

if (!brokers || !mongoUrl) {
  suiteWithoutEngine('Schema evolution on Kafka + MongoDB-wire', 'KAFKA_BROKERS or MONGO_URL is not set', 'npm run engines:up');
} else {
  jest.setTimeout(180_000);

  describe('A v1 CallLogged on the production path (relay → Kafka → projector → MongoDB-wire)', () => {
    const runId = freshRunId();
    const topic = `chronicle.schema.${runId}`;
    const database = `schema_${runId}`;
    const keys = { support: 'test-support-key-0123456789', auditor: 'test-auditor-key-0123456789' };
    let dataDir: string;
    let chronicle: RunningChronicle | undefined;

    beforeAll(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'chronicle-schema-kafka-'));
    });

    afterAll(async () => {
      await chronicle?.close();
      await deleteTopic(createKafkaClient({ brokers, clientId: `schema-cleanup-${runId}` }), topic);
      await dropMongoDatabase(mongoUrl, database);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('is published, projected and audited as v2', async () => {
      await requireKcat();
      const customerId = 'c-legacy';
      const meta = (schemaVersion: number): NewEvent['metadata'] => ({
        customerId, schemaVersion, occurredAt: '2025-06-01T09:00:00.000Z', actor: { type: 'service', id: 'pbx' }, source: 'pbx', correlationId: randomUUID(), causationId: null,
      });
      const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
      try {
        await store.append(`customer-${customerId}`, [{ eventId: randomUUID(), type: 'CustomerRegistered', data: { customerId, profile: { firstName: 'Lea', lastName: 'Legacy' } }, metadata: meta(1) }], { expectedRevision: 'no_stream' });
        await store.append('call-old-1', [{ eventId: randomUUID(), type: 'CallLogged', data: { customerId, callId: 'old-1', direction: 'outbound', durationSeconds: 42, outcome: 'voicemail' }, metadata: meta(1) }], { expectedRevision: 'no_stream' });
      } finally {
        await store.close();
      }

      chronicle = await startChronicle({
        DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS: `support=${keys.support},auditor=${keys.auditor}`,
        TRANSPORT: 'kafka', KAFKA_BROKERS: brokers, KAFKA_TOPIC: topic, KAFKA_GROUP: `schema-${runId}`, KAFKA_PARTITIONS: '2',
        READ_STORE: 'mongodb', MONGO_URL: mongoUrl, MONGO_DB: database, SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0',
      });
      const support = new ApiClient(chronicle.url, keys.support);
      const auditor = new ApiClient(chronicle.url, keys.auditor);
      const v2 = { customerId, callId: 'old-1', direction: 'outbound', durationSeconds: 42, connection: 'voicemail', resolution: null };

      const row = await eventually('the projector to show the call', async () => {
        const page = await support.get(`/v1/customers/${customerId}/timeline?kind=CallLogged`);
        return page.body.items?.[0];
      });
      expect(row).toMatchObject({ streamId: 'call-old-1', summary: 'Outbound call, 42s, voicemail', data: v2 });
      const view = await support.get(`/v1/customers/${customerId}`);
      expect(view.body.calls).toMatchObject({ count: 1, outbound: 1 });
      const audited = await auditor.get('/v1/audit/streams/call-old-1');
      expect(audited.body.items[0]).toMatchObject({ data: v2, metadata: { schemaVersion: 2 } });

      const records = await readTopicWithKcat(brokers, topic);
      const call = records.find((record) => record.headers['ce_type'] === 'CallLogged');
      expect(call?.headers['ce_schemaversion']).toBe('2');
      expect(JSON.parse(call?.value ?? '{}')).toEqual(v2);
    });
  });
}
