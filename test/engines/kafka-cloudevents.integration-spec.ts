// A consumer written only from the topic contract (deploy/README.md, "Topic contract"): a plain
// kafkajs consumer and the CloudEvents SDK (npm `cloudevents`) read what the relay published to a real
// broker from a log holding every event type of the catalogue, sealed as production stores it. Every
// message must be a valid CloudEvent whose data is the business payload and whose extension
// attributes are the envelope, keyed and ordered as the contract says.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEvent, Kafka as CloudEventsKafka, type KafkaMessage as CloudEventsMessage } from 'cloudevents';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import { CodecEventStore, type EventStore } from '@app/event-store';
import { CachedKeyStore, MasterKeyRing, SqliteKeyStore } from '@app/key-store';
import { publishedEventStore, readerCodec } from '@app/composition';
import { catalogueEvents, catalogueTypes } from '@app/composition/testing/event-catalogue';
import { EventStoreCheckpointStore, KafkaRelay, WATERMARK_TYPE, createKafkaClient } from '@app/transport/kafka';
import { expectedExtensions, extensionsOf } from '@app/transport/kafka/testing/topic-contract';
import { eventually } from './kafka-support/eventually';
import { deleteTopic, freshRunId, kafkaBrokersFromEnv } from './kafka-support/kafka-engine';
import { openEventStore } from './kafka-support/engines-under-test';
import { suiteWithoutEngine } from '../support/missing-engine';

const brokers = kafkaBrokersFromEnv();

interface Received {
  readonly partition: number;
  readonly offset: number;
  readonly message: KafkaMessage;
}

/** What the contract tells a consumer to do with a kafkajs message: key, value and headers as UTF-8 strings. */
function asCloudEvent(message: KafkaMessage): CloudEvent<unknown> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = (Array.isArray(value) ? value[value.length - 1] : value).toString('utf8');
  }
  const value = message.value?.toString('utf8') ?? '';
  const received: CloudEventsMessage<string> = { key: message.key?.toString('utf8') ?? '', value, headers, body: value };
  return CloudEventsKafka.toEvent(received) as CloudEvent<unknown>;
}

if (!brokers) {
  suiteWithoutEngine('Kafka CloudEvents consumer suite', 'KAFKA_BROKERS is not set', 'npm run engines:up');
} else {
  describe('The event topic read by a CloudEvents consumer (real broker)', () => {
    let dir: string;
    let inner: EventStore;
    let keys: CachedKeyStore;
    let kafka: Kafka;
    let topic: string;
    let relay: KafkaRelay | undefined;
    let consumer: Consumer | undefined;

    beforeEach(async () => {
      const runId = freshRunId();
      topic = `chronicle.test.ce.${runId}`;
      dir = mkdtempSync(join(tmpdir(), 'chronicle-kafka-ce-'));
      inner = await openEventStore(join(dir, 'events.sqlite'));
      keys = new CachedKeyStore(new SqliteKeyStore(join(dir, 'keys.sqlite'), new MasterKeyRing([Buffer.alloc(32, 3)])));
      kafka = createKafkaClient({ brokers, clientId: `ce-spec-${runId}` });
    });

    afterEach(async () => {
      await consumer?.disconnect();
      await relay?.stop();
      consumer = undefined;
      relay = undefined;
      await inner.close();
      await keys.close();
      await deleteTopic(kafka, topic);
      await deleteTopic(kafka, `${topic}.dead-letter`);
      rmSync(dir, { recursive: true, force: true });
    });

    it('reads every event of every type as a valid CloudEvent: data = the payload as stored, attributes = the envelope', async () => {
      // As the command side writes: through the codec, which seals personal values with each customer's key.
      const writer = new CodecEventStore(inner, readerCodec(keys));
      const customers = ['ce-a', 'ce-b', 'ce-c', 'ce-d'];
      for (const [index, customer] of customers.entries()) {
        for (const { streamId, event } of catalogueEvents(customer, `${topic}-${index}`)) {
          await writer.append(streamId, [event], { expectedRevision: 'any' });
        }
      }
      // What the relay publishes: events as stored, in their current schema version.
      const published = publishedEventStore(inner);
      const expected: RecordedEvent[] = await published.readAll();
      expect(new Set(expected.map((event) => event.type))).toEqual(new Set(catalogueTypes()));

      relay = new KafkaRelay(published, new EventStoreCheckpointStore(inner), kafka, { name: `relay-${topic}`, topic, partitions: 3 });
      await relay.start();
      const head = await inner.headPosition();
      await eventually(`the relay to publish up to ${head}`, () => relay?.position === head);

      const received: Received[] = [];
      const watermarks: CloudEvent<unknown>[] = [];
      consumer = kafka.consumer({ groupId: `${topic}-reader` });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          // The relay's watermark records are CloudEvents of their own type, which an events consumer skips.
          const read = asCloudEvent(message);
          if (read.type === WATERMARK_TYPE) watermarks.push(read);
          else received.push({ partition, offset: Number(message.offset), message });
        },
      });
      await eventually(`${expected.length} events and the last watermarks to arrive`, () => received.length >= expected.length && watermarks.filter((w) => (w.data as { position: number }).position === head).length === 3);
      expect(received).toHaveLength(expected.length);
      for (const watermark of watermarks) {
        expect(watermark.validate()).toBe(true);
        expect(watermark).toMatchObject({ specversion: '1.0', source: '/chronicle/relay', datacontenttype: 'application/json', data: { partitions: 3 } });
      }
      expect(new Set(watermarks.map((w) => w.id)).size).toBe(watermarks.length);

      const byId = new Map(expected.map((event) => [event.eventId, event]));
      const sealed: string[] = [];
      for (const { message } of received) {
        const read = asCloudEvent(message);
        const event = byId.get(read.id);
        expect(event).toBeDefined();
        if (!event) continue;
        byId.delete(read.id);
        const m = event.metadata;
        expect({ id: read.id, valid: read.validate() }).toEqual({ id: read.id, valid: true });
        expect(read.data).toEqual(event.data);
        expect(extensionsOf(read)).toEqual(expectedExtensions(event));
        expect(read).toMatchObject({
          specversion: '1.0', type: event.type, source: `/chronicle/${encodeURIComponent(m.source)}`, subject: m.customerId,
          time: m.occurredAt, datacontenttype: 'application/json',
          // The key: the customer, or for a segment's definition its stream.
          partitionkey: m.customerId === '__segments__' ? event.streamId : m.customerId,
        });
        if (m.dataKeyId !== undefined) sealed.push(String(message.value));
      }
      expect(byId.size).toBe(0);
      // Personal values travel sealed; without the key store a consumer sees only enc1: strings.
      expect(sealed.length).toBeGreaterThan(customers.length * 10);
      for (const value of sealed) expect(value).toMatch(/"enc1:/);
      expect(received.map(({ message }) => String(message.value)).join('\n')).not.toMatch(/Lovelace|ada@example\.org|Berlin|Hamburg/);

      // Order: per key, positions rise with the offsets of its partition (a customer, or one segment).
      const perKey = new Map<string, { partition: number; offset: number; position: number }[]>();
      for (const { partition, offset, message } of received) {
        const key = message.key?.toString('utf8') ?? '';
        const position = Number(asCloudEvent(message)['chronicleposition']);
        perKey.set(key, [...(perKey.get(key) ?? []), { partition, offset, position }]);
      }
      expect([...perKey.keys()].filter((key) => key.startsWith('segment-'))).toHaveLength(customers.length);
      expect([...perKey.keys()].some((key) => key.startsWith('__'))).toBe(false);
      for (const [key, copies] of perKey) {
        expect({ key, partitions: new Set(copies.map((c) => c.partition)).size }).toEqual({ key, partitions: 1 });
        const positions = [...copies].sort((a, b) => a.offset - b.offset).map((c) => c.position);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      }
    });
  });
}
