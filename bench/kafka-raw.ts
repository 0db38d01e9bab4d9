// The physical limits the Kafka path is measured against, in the same run: the broker moving the
// very messages the relay would send (plain kafkajs producer and consumer, no Chronicle code), and
// the read store taking ready-made documents (applyBatch, no projection work).
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import type { CollectionDefinition, ReadDocument, ReadStore, ReadStoreWrite } from '@app/read-store';
import { ensureTopic } from '@app/transport/kafka';
import { waitUntil } from './kafka-pipeline';

export interface RawKafkaRates {
  readonly messages: number;
  readonly averageBytes: number;
  /** Messages/s from first send to last broker ack. */
  readonly produced: number;
  /** Messages/s from first send until a consumer, already in its group, has received every message. */
  readonly producedAndConsumed: number;
}

const RAW_SEND_BATCH = 500;
/** Produce requests in flight at once: what an unconstrained producer does (the relay keeps one, for order). */
const RAW_SENDS_IN_FLIGHT = 4;

export async function measureRawKafka(kafka: Kafka, topic: string, groupId: string, partitions: number, messages: readonly Message[]): Promise<RawKafkaRates> {
  await ensureTopic(kafka, topic, { partitions, replicationFactor: -1 });
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let received = 0;
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.connect();
  // Same partitioner as the relay, so the messages spread over the partitions as they do in the path.
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        received += batch.messages.length;
      },
    });
    await waitUntil(() => joined, 60_000, 'raw consumer joined its group');

    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: RAW_SENDS_IN_FLIGHT }, async () => {
      while (next < messages.length) {
        const from = next;
        next += RAW_SEND_BATCH;
        await producer.send({ topic, acks: -1, messages: messages.slice(from, from + RAW_SEND_BATCH) as Message[] });
      }
    }));
    const producedMs = performance.now() - started;
    await waitUntil(() => received >= messages.length, 300_000, `raw consumer received ${messages.length} messages`);
    const bothMs = performance.now() - started;
    const bytes = messages.reduce((sum, m) => sum + Buffer.byteLength(String(m.value ?? '')), 0);
    return {
      messages: messages.length,
      averageBytes: bytes / messages.length,
      produced: (messages.length / producedMs) * 1000,
      producedAndConsumed: (messages.length / bothMs) * 1000,
    };
  } finally {
    await producer.disconnect();
    await consumer.disconnect();
  }
}

export interface RawReadStoreRates {
  readonly documents: number;
  /** Docs/s writing documents that are not in the store yet. */
  readonly inserted: number;
  /** Docs/s replacing every one of them with a newer position (what a customer360 update costs). */
  readonly replaced: number;
}

/** Writes `docs` in batches of `batchSize` writes with a checkpoint per batch, as the runner does. */
export async function measureRawReadStore(store: ReadStore, collections: readonly CollectionDefinition[], docs: readonly { collection: string; doc: ReadDocument }[], batchSize: number): Promise<RawReadStoreRates> {
  await store.ensureCollections(collections);
  const pass = async (positionShift: number) => {
    const started = performance.now();
    for (let i = 0; i < docs.length; i += batchSize) {
      const writes: ReadStoreWrite[] = docs.slice(i, i + batchSize).map(({ collection, doc }) => ({
        kind: 'upsert', collection, doc: { ...doc, lastPosition: doc.lastPosition + positionShift },
      }));
      await store.applyBatch(writes, { name: 'raw-bulk-write', position: positionShift + i });
    }
    return (docs.length / (performance.now() - started)) * 1000;
  };
  const inserted = await pass(0);
  const replaced = await pass(1_000_000_000);
  return { documents: docs.length, inserted, replaced };
}
