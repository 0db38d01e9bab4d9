// The relay against a real broker with events of every size (issue 15): a valid 1.4 MB batch of five
// 500-line purchases for one customer once stopped the relay for good (the produce request was over
// the broker's 1 MiB max.message.bytes; kafkajs does not retry that). Now the relay reads the topic's
// limit at start, compresses, cuts requests under it, and sets aside what the broker still refuses.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEvent, Kafka as CloudEventsKafka, type KafkaMessage as CloudEventsMessage } from 'cloudevents';
import type { Kafka } from 'kafkajs';
import { deterministicEventId, type NewEvent } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import { EventStoreCheckpointStore, KafkaRelay, createKafkaClient, decodeEventMessage, untilLeadersElected, watermarkOf, type DeadLetter } from '@app/transport/kafka';
import { eventually } from './kafka-support/eventually';
import { deleteTopic, freshRunId, kafkaBrokersFromEnv } from './kafka-support/kafka-engine';
import { eventRecords, readTopicWithKcat, requireKcat } from './kafka-support/kcat-reader';
import { openEventStore } from './kafka-support/engines-under-test';
import { suiteWithoutEngine } from '../support/missing-engine';

const brokers = kafkaBrokersFromEnv();

function purchase(runId: string, customerId: string, n: number, lines: number): NewEvent {
  const orderId = `${customerId}-o${n}`;
  return {
    eventId: deterministicEventId(runId, orderId),
    type: 'PurchaseCompleted',
    data: {
      customerId, orderId, channel: 'web', currency: 'EUR',
      // Lines as long as the API takes them (sku 100, name 300, category 100 characters), 500 of them (its maximum).
      lines: Array.from({ length: lines }, (_, i) => ({
        sku: `SKU-${n}-${String(i).padStart(5, '0')}-${'x'.repeat(84)}`,
        name: `Line ${i} of order ${n}: ${'Assorted green tea, loose leaf, 250 g tin. '.repeat(7)}`.slice(0, 300),
        category: `grocery/tea/${'green/'.repeat(15)}`.slice(0, 100), quantity: 1 + (i % 3), unitPriceMinor: 450,
      })),
      totalMinor: 0,
    },
    metadata: {
      customerId, schemaVersion: 1, occurredAt: new Date(Date.UTC(2025, 0, 6, 8, n)).toISOString(),
      actor: { type: 'service', id: 'shop' }, source: 'shop', correlationId: `corr-${orderId}`, causationId: null,
    },
  };
}

/** A note whose text does not compress (random base64): its size on the wire is about its size. */
function note(runId: string, customerId: string, id: string, textBytes: number): NewEvent {
  return {
    eventId: deterministicEventId(runId, id),
    type: 'NoteAdded',
    data: { customerId, noteId: id, authorId: 'agent-1', text: randomBytes(Math.ceil((textBytes * 3) / 4)).toString('base64').slice(0, textBytes) },
    metadata: {
      customerId, schemaVersion: 1, occurredAt: '2025-01-06T09:00:00.000Z',
      actor: { type: 'service', id: 'helpdesk' }, source: 'helpdesk', correlationId: `corr-${id}`, causationId: null,
    },
  };
}

if (!brokers) {
  suiteWithoutEngine('Kafka relay message sizes engine suite', 'KAFKA_BROKERS is not set', 'npm run engines:up');
} else {
  describe('KafkaRelay message sizes (real broker, SqliteEventStore)', () => {
    let dir: string;
    let store: EventStore;
    let kafka: Kafka;
    let runId: string;
    let topic: string;
    const relays: KafkaRelay[] = [];

    beforeEach(async () => {
      await requireKcat();
      runId = freshRunId();
      topic = `chronicle.test.${runId}`;
      dir = mkdtempSync(join(tmpdir(), 'chronicle-relay-sizes-'));
      store = await openEventStore(join(dir, 'events.sqlite'));
      kafka = createKafkaClient({ brokers, clientId: `relay-sizes-${runId}` });
    });

    afterEach(async () => {
      for (const relay of relays.splice(0)) await relay.stop();
      await store.close();
      await deleteTopic(kafka, topic);
      await deleteTopic(kafka, `${topic}.dead-letter`);
      rmSync(dir, { recursive: true, force: true });
    });

    function newRelay(): KafkaRelay {
      const relay = new KafkaRelay(store, new EventStoreCheckpointStore(store), kafka, { name: `relay-${runId}`, topic, partitions: 2 });
      relays.push(relay);
      return relay;
    }

    async function publishedUpToHead(relay: KafkaRelay): Promise<number> {
      const head = await store.headPosition();
      return eventually(`relay to reach position ${head}`, () => relay.position === head && head);
    }

    it('publishes a 1.4 MB batch of five 500-line purchases for one customer, and the events after it', async () => {
      const customerId = `${runId}-big`;
      for (let n = 1; n <= 5; n++) {
        await store.append(`order-${customerId}-o${n}`, [purchase(runId, customerId, n, 500)], { expectedRevision: 'no_stream' });
      }
      const relay = newRelay();
      await relay.start();
      await publishedUpToHead(relay);
      // A later event goes out too: the relay did not stop.
      await store.append(`order-${customerId}-o6`, [purchase(runId, customerId, 6, 1)], { expectedRevision: 'no_stream' });
      await publishedUpToHead(relay);

      const events = await store.readAll();
      const batchBytes = events.slice(0, 5).reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)), 0);
      // The reproduction holds: the five events together are over what the broker takes in one batch.
      expect(batchBytes).toBeGreaterThan(1_300_000);
      expect(relay.messageLimitBytes).toBeLessThan(batchBytes);

      const records = eventRecords(await readTopicWithKcat(brokers as string, topic));
      expect(records.map((r) => r.headers['ce_id'])).toEqual(events.map((e) => e.eventId));
      expect(records.map((r) => decodeEventMessage({ key: r.key, value: r.value, headers: r.headers }))).toEqual(events);
      expect(relay.alerts()).toEqual([]);
      expect(await readTopicWithKcat(brokers as string, `${topic}.dead-letter`)).toEqual([]);
    });

    it('reads the topic\'s own limit, splits what fits alone, sets aside what the broker refuses even compressed, and goes on', async () => {
      // A topic made with a small max.message.bytes before the relay starts: the relay must read it, not assume 1 MiB.
      const limit = 100_000;
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: String(limit) }, { name: 'retention.ms', value: '-1' }] }] });
        await untilLeadersElected(admin, topic);
      } finally {
        await admin.disconnect();
      }
      const customerId = `${runId}-notes`;
      const appended = [
        note(runId, customerId, 'n1', 1_000),
        note(runId, customerId, 'n2-too-large', 3 * limit),
        note(runId, customerId, 'n3', 1_000),
        // Each fits alone, together they do not: two requests.
        note(runId, customerId, 'n4', 60_000),
        note(runId, customerId, 'n5', 60_000),
      ];
      for (const event of appended) await store.append(`note-${event.data && (event.data as { noteId: string }).noteId}`, [event], { expectedRevision: 'no_stream' });

      const relay = newRelay();
      await relay.start();
      expect(relay.messageLimitBytes).toBe(limit);
      const head = await publishedUpToHead(relay);

      const events = await store.readAll();
      const refused = events.find((e) => e.eventId === appended[1].eventId);
      if (!refused) throw new Error('the large note was not appended');
      const all = await readTopicWithKcat(brokers as string, topic);
      const records = eventRecords(all);
      expect(records.map((r) => r.headers['ce_id'])).toEqual(events.filter((e) => e !== refused).map((e) => e.eventId));
      // Requests sent apart or event by event still end each partition with the head's watermark record.
      for (const partition of [0, 1]) {
        const last = all.filter((r) => r.partition === partition).sort((a, b) => a.offset - b.offset).at(-1);
        expect(last && watermarkOf({ key: null, value: last.value, headers: last.headers })).toEqual({ position: head, partitions: 2 });
      }

      const letters = await readTopicWithKcat(brokers as string, `${topic}.dead-letter`);
      expect(letters).toHaveLength(1);
      expect(letters[0].key).toBe(customerId);
      const letter = JSON.parse(letters[0].value) as DeadLetter;
      expect(letter).toMatchObject({
        eventId: refused.eventId, type: 'NoteAdded', streamId: refused.streamId, position: refused.position, revision: 0,
        customerId, topic, limitBytes: limit,
      });
      expect(letter.sizeBytes).toBeGreaterThan(limit);
      // The pointer is a CloudEvent too, from the relay's own source.
      const pointerMessage: CloudEventsMessage<string> = { key: letters[0].key, value: letters[0].value, headers: letters[0].headers, body: letters[0].value };
      const pointer = CloudEventsKafka.toEvent(pointerMessage) as CloudEvent<unknown>;
      expect(pointer.validate()).toBe(true);
      expect(pointer).toMatchObject({ id: refused.eventId, type: 'chronicle.dead-letter', source: '/chronicle/relay', subject: customerId, data: letter });
      expect(relay.alerts()).toEqual([expect.objectContaining({ code: 'dead-lettered', count: 1, last: expect.objectContaining({ eventId: refused.eventId }) })]);

      // A restarted relay still raises the alert (it counts the dead-letter topic) and publishes from its checkpoint.
      await relay.stop();
      const again = newRelay();
      await again.start();
      expect(again.alerts()).toEqual([expect.objectContaining({ code: 'dead-lettered', count: 1 })]);
      const later = note(runId, customerId, 'n6', 500);
      await store.append('note-n6', [later], { expectedRevision: 'no_stream' });
      expect(await publishedUpToHead(again)).toBeGreaterThan(head);
      expect(eventRecords(await readTopicWithKcat(brokers as string, topic)).map((r) => r.headers['ce_id']).at(-1)).toBe(later.eventId);
    });
  });
}
