// The physical limits the Kafka path is measured against, in the same run: the broker moving the
// very messages the relay would send (plain kafkajs producer and consumer, no Chronicle code), the
// read store taking ready-made documents (applyBatch, no projection work), and for MongoDB the
// server itself taking the same documents from the plain driver (no adapter).
import { MongoClient, type AnyBulkWriteOperation, type Document } from 'mongodb';
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

export interface RawMongoRates {
  readonly documents: number;
  /** Docs/s: insertMany of documents not in the database yet. */
  readonly inserted: number;
  /** Docs/s: replaceOne by `_id` alone (upsert), each document with a newer position. */
  readonly replaced: number;
  /** Docs/s: the same replacements with the read store's guard in the filter (`lastPosition < p`). */
  readonly replacedGuarded: number;
}

/**
 * Replacements per update command in the raw measurement: as many as FerretDB 1.24 takes safely in
 * one command (it hangs at about 100 replacements of existing documents, see deploy/engines/README.md).
 */
const RAW_REPLACEMENTS_PER_COMMAND = 64;

/** A read-model document as the MongoDB store keeps it: the id in `_id`. */
interface StoredDocument extends Document {
  _id: string;
}

/**
 * The MongoDB-wire server's own write rate for the very documents a run produced: the plain driver,
 * no adapter, no read before the write, batches of `batchSize` documents (each collection's share
 * of a batch in one call), one call at a time. Uses, then drops, the database `database`.
 */
export async function measureRawMongo(url: string, database: string, docs: readonly { collection: string; doc: ReadDocument }[], batchSize: number): Promise<RawMongoRates> {
  const client = await new MongoClient(url, { ignoreUndefined: true }).connect();
  const db = client.db(database);
  const stored = (doc: ReadDocument, lastPosition: number): StoredDocument => {
    const { id, ...fields } = doc;
    return { _id: id, ...fields, lastPosition };
  };
  const batches = (): { collection: string; docs: ReadDocument[] }[][] => {
    const result: { collection: string; docs: ReadDocument[] }[][] = [];
    for (let i = 0; i < docs.length; i += batchSize) {
      const byCollection = new Map<string, ReadDocument[]>();
      for (const { collection, doc } of docs.slice(i, i + batchSize)) byCollection.set(collection, [...(byCollection.get(collection) ?? []), doc]);
      result.push([...byCollection].map(([collection, list]) => ({ collection, docs: list })));
    }
    return result;
  };
  const timed = async (write: (collection: string, list: ReadDocument[]) => Promise<unknown>) => {
    const started = performance.now();
    for (const batch of batches()) for (const part of batch) await write(part.collection, part.docs);
    return (docs.length / (performance.now() - started)) * 1000;
  };
  const replaceInCommands = async (collection: string, operations: AnyBulkWriteOperation<StoredDocument>[]) => {
    for (let i = 0; i < operations.length; i += RAW_REPLACEMENTS_PER_COMMAND) {
      await db.collection<StoredDocument>(collection).bulkWrite(operations.slice(i, i + RAW_REPLACEMENTS_PER_COMMAND), { ordered: true });
    }
  };
  try {
    const inserted = await timed((collection, list) => db.collection<StoredDocument>(collection).insertMany(list.map((doc) => stored(doc, doc.lastPosition)), { ordered: true }));
    const shift = 1_000_000_000;
    const replaced = await timed((collection, list) =>
      replaceInCommands(collection, list.map((doc) => ({ replaceOne: { filter: { _id: doc.id }, replacement: stored(doc, doc.lastPosition + shift), upsert: true } }))),
    );
    const replacedGuarded = await timed((collection, list) =>
      replaceInCommands(collection, list.map((doc) => ({
        replaceOne: { filter: { _id: doc.id, lastPosition: { $lt: doc.lastPosition + 2 * shift } }, replacement: stored(doc, doc.lastPosition + 2 * shift), upsert: true },
      }))),
    );
    return { documents: docs.length, inserted, replaced, replacedGuarded };
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}
