// Relay against a real Kafka broker: what lands on the topic, read back by an independent client
// (kcat), and what a restart from the checkpoint publishes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import {
  EventStoreCheckpointStore,
  KafkaRelay,
  KafkaHeader,
  createKafkaClient,
  decodeEventMessage,
  encodeEventMessage,
  relayCheckpointStreamId,
  watermarkOf,
  WATERMARK_TYPE,
} from '@app/transport/kafka';
import { appendHistoryRound } from './kafka-support/interaction-history';
import { eventually } from './kafka-support/eventually';
import { deleteTopic, freshRunId, kafkaBrokersFromEnv } from './kafka-support/kafka-engine';
import { eventRecords, readTopicWithKcat, requireKcat, watermarkRecords, type KcatRecord } from './kafka-support/kcat-reader';
import { openEventStore } from './kafka-support/engines-under-test';
import { suiteWithoutEngine } from '../support/missing-engine';

const brokers = kafkaBrokersFromEnv();

if (!brokers) {
  suiteWithoutEngine('Kafka relay engine suite', 'KAFKA_BROKERS is not set', 'npm run engines:up');
} else {
  jest.setTimeout(120_000);

  describe('KafkaRelay (real broker, SqliteEventStore)', () => {
    let dir: string;
    let store: EventStore;
    let kafka: Kafka;
    let runId: string;
    let topic: string;
    const relays: KafkaRelay[] = [];

    beforeEach(async () => {
      runId = freshRunId();
      topic = `chronicle.test.${runId}`;
      dir = mkdtempSync(join(tmpdir(), 'chronicle-kafka-relay-'));
      store = await openEventStore(join(dir, 'events.sqlite'));
      kafka = createKafkaClient({ brokers, clientId: `relay-spec-${runId}` });
    });

    afterEach(async () => {
      for (const relay of relays.splice(0)) await relay.stop();
      await store.close();
      await deleteTopic(kafka, topic);
      await deleteTopic(kafka, `${topic}.dead-letter`);
      rmSync(dir, { recursive: true, force: true });
    });

    function newRelay(): KafkaRelay {
      const relay = new KafkaRelay(store, new EventStoreCheckpointStore(store), kafka, {
        name: `relay-${runId}`, topic, partitions: 4, maxBatchSize: 50,
      });
      relays.push(relay);
      return relay;
    }

    async function publishedUpToHead(relay: KafkaRelay): Promise<number> {
      const head = await store.headPosition();
      return eventually(`relay to reach position ${head}`, () => relay.position === head && head);
    }

    function byEventId(records: readonly KcatRecord[]): Map<string, KcatRecord[]> {
      const grouped = new Map<string, KcatRecord[]>();
      for (const record of records) {
        const id = record.headers['ce_id'];
        grouped.set(id, [...(grouped.get(id) ?? []), record]);
      }
      return grouped;
    }

    it('publishes every event once, keyed by customer, as a CloudEvent (envelope in the headers, payload as the value)', async () => {
      await requireKcat();
      await appendHistoryRound(store, runId, 12, 0);
      await appendHistoryRound(store, runId, 12, 1);
      const relay = newRelay();
      await relay.start();
      // Live events too, not only the catch-up.
      await appendHistoryRound(store, runId, 12, 2);
      await publishedUpToHead(relay);

      const events: RecordedEvent[] = await store.readAll();
      expect(events).toHaveLength(12 + 12 * 4 * 2);
      const all = await readTopicWithKcat(brokers, topic);
      const records = eventRecords(all);
      expect(records).toHaveLength(events.length);

      // The watermark records keep their promise on the broker: in each partition, every event at or
      // below a record's position lies before it and every event after it lies above; each partition
      // (an idle one too) ends with the head's.
      const head = events[events.length - 1].position;
      const partitions = new Set(all.map((r) => r.partition));
      expect(partitions.size).toBe(4);
      for (const partition of partitions) {
        const inOrder = all.filter((r) => r.partition === partition).sort((a, b) => a.offset - b.offset);
        for (const [at, record] of inOrder.entries()) {
          if (record.headers['ce_type'] !== WATERMARK_TYPE) continue;
          const mark = watermarkOf({ key: null, value: record.value, headers: record.headers });
          expect(mark?.partitions).toBe(4);
          const position = (r: KcatRecord): number => Number(r.headers[KafkaHeader.position]);
          expect(eventRecords(inOrder.slice(at + 1)).every((later) => position(later) > (mark?.position ?? 0))).toBe(true);
          expect(eventRecords(inOrder.slice(0, at)).every((earlier) => position(earlier) <= (mark?.position ?? 0))).toBe(true);
        }
        expect(watermarkOf({ key: null, value: inOrder[inOrder.length - 1].value, headers: inOrder[inOrder.length - 1].headers })?.position).toBe(head);
      }
      expect(watermarkRecords(all).length).toBeGreaterThan(0);

      const copies = byEventId(records);
      for (const event of events) {
        const found = copies.get(event.eventId) ?? [];
        expect(found).toHaveLength(1);
        const [record] = found;
        const expected = encodeEventMessage(event);
        expect(record.key).toBe(event.metadata.customerId);
        expect(record.headers).toEqual(expected.headers);
        expect(record.headers['ce_specversion']).toBe('1.0');
        expect(record.headers['content-type']).toBe('application/json');
        expect(JSON.parse(record.value)).toEqual(event.data);
        // What librdkafka read back is the event the store holds.
        expect(decodeEventMessage({ key: record.key, value: record.value, headers: record.headers })).toEqual(event);
      }

      // Per-customer order: one partition per customer, positions rising along the offsets.
      const partitionOf = new Map<string, number>();
      for (const record of records) {
        const known = partitionOf.get(record.key);
        if (known !== undefined) expect(record.partition).toBe(known);
        partitionOf.set(record.key, record.partition);
      }
      const usedPartitions = new Set(records.map((r) => r.partition));
      expect(usedPartitions.size).toBeGreaterThan(1);
      for (const partition of usedPartitions) {
        const positions = records
          .filter((r) => r.partition === partition)
          .sort((a, b) => a.offset - b.offset)
          .map((r) => Number(r.headers[KafkaHeader.position]));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      }
    });

    it('restarts from its checkpoint in stream metadata and publishes nothing twice', async () => {
      await requireKcat();
      await appendHistoryRound(store, runId, 10, 0);
      await appendHistoryRound(store, runId, 10, 1);
      const first = newRelay();
      await first.start();
      const firstHead = await publishedUpToHead(first);
      await first.stop();

      const metadata = await store.getStreamMetadata(relayCheckpointStreamId(`relay-${runId}`));
      expect(metadata.custom?.['position']).toBe(firstHead);
      // The checkpoint lives in metadata, not in the log: the relay did not feed itself events.
      expect((await store.readAll()).every((e) => !e.streamId.startsWith('relaycheckpoint-'))).toBe(true);

      await appendHistoryRound(store, runId, 10, 2);
      const second = newRelay();
      await second.start();
      await appendHistoryRound(store, runId, 10, 3);
      const head = await publishedUpToHead(second);
      await second.stop();

      const events = await store.readAll();
      expect(second.published).toBe(events.filter((e) => e.position > firstHead).length);
      expect(head).toBe(events[events.length - 1].position);
      const records = eventRecords(await readTopicWithKcat(brokers, topic));
      const copies = byEventId(records);
      const duplicated = [...copies].filter(([, found]) => found.length !== 1).map(([id]) => id);
      expect(duplicated).toEqual([]);
      expect(new Set(copies.keys())).toEqual(new Set(events.map((e) => e.eventId)));
    });
  });
}
