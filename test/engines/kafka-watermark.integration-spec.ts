// The applied watermark across partitions, on a real broker: a projector applies partitions apart, so
// a position applied in one partition says nothing of a lower one still waiting in another. The global
// watermark (the least of the partitions' watermarks) must never pass an event that is not applied,
// and must reach the head once everything is, idle partitions included (the relay's watermark records).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import type { ReadStore } from '@app/read-store';
import { PartitionWatermarks } from '@app/transport';
import {
  EventStoreCheckpointStore,
  KafkaProjector,
  KafkaRelay,
  createKafkaClient,
  encodeEventMessage,
  encodeWatermarkMessage,
  ensureTopic,
} from '@app/transport/kafka';
import { appendHistoryRound } from './kafka-support/interaction-history';
import { eventually } from './kafka-support/eventually';
import { deleteTopic, freshRunId, kafkaBrokersFromEnv, onPartition } from './kafka-support/kafka-engine';
import { LEDGER_COLLECTION, customerLedgerProjection, type LedgerDocument } from './kafka-support/customer-ledger.projection';
import { newProjectorRunner, openEventStore, openSqliteReadStore } from './kafka-support/engines-under-test';
import { suiteWithoutEngine } from '../support/missing-engine';

const brokers = kafkaBrokersFromEnv();

function event(position: number, customerId: string): RecordedEvent {
  return {
    eventId: `e-${position}`, type: 'CallLogged', streamId: `call-${customerId}-${position}`, revision: 0, position,
    data: { customerId }, recordedAt: '2025-01-01T00:00:00.000Z',
    metadata: { customerId, schemaVersion: 1, occurredAt: '2025-01-01T00:00:00.000Z', actor: { type: 'service', id: 's' }, source: 'shop', correlationId: 'k', causationId: null },
  };
}

if (!brokers) {
  suiteWithoutEngine('Kafka applied watermark engine suite', 'KAFKA_BROKERS is not set', 'npm run engines:up');
} else {

  describe('PartitionWatermarks (real broker, SqliteReadStore)', () => {
    let dir: string;
    let runId: string;
    let topic: string;
    let kafka: Kafka;
    let readModels: ReadStore;
    const cleanups: (() => Promise<unknown>)[] = [];

    beforeEach(async () => {
      runId = freshRunId();
      topic = `chronicle.test.${runId}`;
      dir = mkdtempSync(join(tmpdir(), 'chronicle-kafka-watermark-'));
      kafka = createKafkaClient({ brokers, clientId: `watermark-spec-${runId}` });
      readModels = await openSqliteReadStore(join(dir, 'read-models.sqlite'));
    });

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      await readModels.close();
      await deleteTopic(kafka, topic);
      rmSync(dir, { recursive: true, force: true });
    });

    /** A projector of the ledger over the topic, recording watermarks; resolves once it consumes. */
    async function projector(watermarks: PartitionWatermarks): Promise<KafkaProjector> {
      const runner = newProjectorRunner(readModels, [customerLedgerProjection], 'ledger');
      await runner.start();
      const started = new KafkaProjector(runner, kafka, {
        groupId: `ledger-${runId}`, topic, watermarks, sessionTimeout: 6_000, rebalanceTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 100,
      });
      await started.start();
      cleanups.push(() => started.stop());
      return started;
    }

    async function producer(): Promise<Producer> {
      const started = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await started.connect();
      cleanups.push(() => started.disconnect());
      return started;
    }

    it('stays below an event a lagging partition has not applied, though a higher one is applied in another', async () => {
      await ensureTopic(kafka, topic, { partitions: 2, replicationFactor: -1 });
      const send = await producer();
      const watermarks = new PartitionWatermarks(readModels, 'ledger');
      const consumer = await projector(watermarks);
      const applied: number[] = [];
      consumer.onApplied((batch) => applied.push(...batch.events.map((e) => e.position)));

      // The log: 5 (customer a, partition 1), then 6 (customer b, partition 0); partition 0 gets there first.
      await send.send({ topic, acks: -1, messages: [onPartition(0, encodeEventMessage(event(6, 'b'))), onPartition(0, encodeWatermarkMessage({ position: 6, partitions: 2 }, 0))] });
      await eventually('the projector to apply 6', () => applied.includes(6));
      // 6 is in the read models and partition 0's watermark says so; 5 is not, so neither may the global one.
      expect((await readModels.get<LedgerDocument>(LEDGER_COLLECTION, 'b'))?.positions).toEqual([6]);
      expect(await readModels.get(LEDGER_COLLECTION, 'a')).toBeNull();
      expect(await watermarks.read()).toBe(0);

      await send.send({ topic, acks: -1, messages: [onPartition(1, encodeEventMessage(event(5, 'a'))), onPartition(1, encodeWatermarkMessage({ position: 6, partitions: 2 }, 1))] });
      await eventually('the global watermark to reach 6', async () => (await watermarks.read()) === 6);
      expect((await readModels.get<LedgerDocument>(LEDGER_COLLECTION, 'a'))?.positions).toEqual([5]);
    });

    it('reaches the head of the log through the relay, partitions no event went to included', async () => {
      const store = await openEventStore(join(dir, 'events.sqlite'));
      cleanups.push(() => store.close());
      // Two customers on eight partitions: most partitions never get an event.
      await appendHistoryRound(store, runId, 2, 0);
      const relay = new KafkaRelay(store, new EventStoreCheckpointStore(store), kafka, { name: `relay-${runId}`, topic, partitions: 8, maxBatchSize: 5 });
      await relay.start();
      cleanups.push(() => relay.stop());
      const watermarks = new PartitionWatermarks(readModels, 'ledger');
      await projector(watermarks);
      const head = await store.headPosition();
      await eventually(`the global watermark to reach the head, ${head}`, async () => (await watermarks.read()) === head);
      // Every event up to it is in the read models.
      const ledgers = await readModels.find<LedgerDocument>(LEDGER_COLLECTION, {});
      const all = await store.readAll();
      expect(ledgers.flatMap((doc) => doc.positions).sort((x, y) => x - y)).toEqual(all.map((e) => e.position));

      // Later events move it on.
      await appendHistoryRound(store, runId, 2, 1);
      const next = await store.headPosition();
      expect(next).toBeGreaterThan(head);
      await eventually(`the global watermark to reach ${next}`, async () => (await watermarks.read()) === next);
    });
  });
}
