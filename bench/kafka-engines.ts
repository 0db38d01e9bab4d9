// Where the Kafka bench finds its engines (environment, else .engines/engines.env written by
// `npm run engines:up`), the read stores it measures, and its own throw-away topic and database
// names, so it never touches what other people run on the same broker.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { Kafka } from 'kafkajs';
import { SqliteReadStore, type ReadDocument, type ReadStore, type SqliteReadStoreWrites } from '@app/read-store';
import { MongoReadStore } from '@app/read-store/mongodb';
import { measureRawMongo, type RawMongoRates } from './kafka-raw';

export interface BenchEngines {
  readonly kafkaBrokers: string;
  readonly mongoUrl?: string;
  /** Which server answers on MONGO_URL (engines.env names it, e.g. ferretdb-v1.24.2). */
  readonly mongoEngine?: string;
}

export function benchEngines(): BenchEngines {
  const file = join(__dirname, '..', '.engines', 'engines.env');
  const fromFile: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match) fromFile[match[1]] = match[2];
    }
  }
  const value = (name: string) => (process.env[name] ?? fromFile[name])?.trim() || undefined;
  const kafkaBrokers = value('KAFKA_BROKERS');
  if (!kafkaBrokers) throw new Error('KAFKA_BROKERS is not set and .engines/engines.env names no broker: run npm run engines:up');
  return { kafkaBrokers, mongoUrl: value('MONGO_URL'), mongoEngine: value('MONGO_ENGINE') };
}

/** A fresh name part per run: topics, groups and databases of a kept broker never collide. */
export function freshBenchId(): string {
  return `kb${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
}

export async function deleteBenchTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const ours = topics.filter((topic) => existing.has(topic));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  } finally {
    await admin.disconnect();
  }
}

export interface ReadStoreKind {
  readonly name: string;
  /** A fresh, empty read store called `label`; `writes`: where a SQLite store commits (default BENCH_READ_STORE_WRITES). */
  open(dir: string, label: string, writes?: SqliteReadStoreWrites): Promise<ReadStore>;
  /** Removes what open() left outside the bench's temp dir. */
  discard(label: string): Promise<void>;
  /** The server's own write rate for these documents without the adapter, where there is a server. */
  measureServer?(label: string, docs: readonly { collection: string; doc: ReadDocument }[], batchSize: number): Promise<RawMongoRates>;
}

/** Where the SQLite read store commits the projector's writes (a Kafka projector's default, SQLITE_READ_STORE_WRITES=auto: thread). */
export const BENCH_READ_STORE_WRITES: SqliteReadStoreWrites = process.env.BENCH_READ_STORE_WRITES === 'inline' ? 'inline' : 'thread';

export function readStoreKinds(engines: BenchEngines, runId: string): ReadStoreKind[] {
  const kinds: ReadStoreKind[] = [
    {
      name: 'SQLite',
      open: async (dir, label, writes = BENCH_READ_STORE_WRITES) => new SqliteReadStore(join(dir, `${label}.sqlite`), { writes }),
      discard: async () => undefined,
    },
  ];
  const mongoUrl = engines.mongoUrl;
  if (mongoUrl) {
    const database = (label: string) => `${runId}_${label}`.replace(/[^A-Za-z0-9_]/g, '_');
    kinds.push({
      name: `MongoDB wire (${engines.mongoEngine ?? 'unknown server'})`,
      open: (_dir, label) => MongoReadStore.connect(mongoUrl, database(label)),
      measureServer: (label, docs, batchSize) => measureRawMongo(mongoUrl, database(label), docs, batchSize),
      discard: async (label) => {
        const client = new MongoClient(mongoUrl);
        try {
          await client.connect();
          await client.db(database(label)).dropDatabase();
        } finally {
          await client.close();
        }
      },
    });
  }
  return kinds;
}
