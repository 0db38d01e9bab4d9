// The Kafka projector's catch-up at several write-batch sizes, alternated in one run on one topic:
// a backlog appended and published once, then for each size (each round) a new consumer group reads
// the whole topic into a fresh read store. Shows how many document writes an event costs and what
// the catch-up rate is at each size, beside raw SQLite's write rate of the same run.
//   BENCH_CATCHUP_EVENTS (40,000)  BENCH_CUSTOMERS (5,000)  BENCH_KAFKA_WRITE_BATCHES (500,2000)  BENCH_ROUNDS (2)
//   BENCH_CATCHUP_STORE: sqlite (default) or mongo (the MONGO_URL server, e.g. FerretDB)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@app/event-store';
import { createKafkaClient } from '@app/transport/kafka';
import { benchEngines, deleteBenchTopics, freshBenchId, readStoreKinds } from './kafka-engines';
import { startProjectorSide, startRelay, waitUntil, pipelineFailure } from './kafka-pipeline';
import { appendPlan, planWorkload } from './kafka-workload';
import { measureRawSqlite } from './raw-sqlite';
import { fmt } from './stats';

const EVENTS = Number(process.env['BENCH_CATCHUP_EVENTS'] ?? 40_000);
const CUSTOMERS = Number(process.env['BENCH_CUSTOMERS'] ?? 5_000);
const SIZES = (process.env['BENCH_KAFKA_WRITE_BATCHES'] ?? '500,2000').split(',').map(Number);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const PARTITIONS = 6;
const STORE = process.env['BENCH_CATCHUP_STORE'] ?? 'sqlite';
const TIMEOUT_MS = 30 * 60_000;

async function main(): Promise<void> {
  const engines = benchEngines();
  const runId = freshBenchId();
  const kafka = createKafkaClient({ brokers: engines.kafkaBrokers, clientId: `chronicle-bench-${runId}` });
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-kafka-catchup-'));
  const topic = `chronicle.bench.${runId}.catchup`;
  const kinds = readStoreKinds(engines, runId);
  const kind = STORE === 'mongo' ? kinds[1] : kinds[0];
  if (!kind) throw new Error('BENCH_CATCHUP_STORE=mongo needs MONGO_URL');
  try {
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    const backlog = await appendPlan(store, planWorkload(`${runId}cu`, CUSTOMERS, EVENTS));
    const relay = await startRelay(store, kafka, topic, `bench-${runId}-relay`, PARTITIONS);
    await waitUntil(() => relay.published >= backlog, TIMEOUT_MS, `relay published ${backlog} events`, pipelineFailure(relay, undefined));
    await relay.stop();
    await store.close();
    console.log(`catch-up of ${fmt(backlog)} events over ${fmt(CUSTOMERS)} customers, ${PARTITIONS} partitions, ${kind.name} read store, Node ${process.version}`);
    for (let round = 1; round <= ROUNDS; round++) {
      const raw = measureRawSqlite('NORMAL', 2);
      console.log(`round ${round}: raw SQLite ${fmt(raw.batched1000)} rows/s in 1,000-row transactions`);
      // Alternate the order each round, so drift on a shared machine falls on every size.
      for (const size of round % 2 === 1 ? SIZES : [...SIZES].reverse()) {
        const label = `r${round}-w${size}`;
        const cpu = process.cpuUsage();
        const started = performance.now();
        const side = await startProjectorSide(kafka, await kind.open(dir, label), topic, `${runId}-${label}`, PARTITIONS, size);
        try {
          await waitUntil(() => side.applied.count >= backlog, TIMEOUT_MS, `catch-up ${label}`, pipelineFailure(undefined, side));
          const seconds = (performance.now() - started) / 1000;
          const used = process.cpuUsage(cpu);
          const writesPerEvent = side.readStore.timings.writes / backlog;
          const rate = backlog / seconds;
          console.log(
            `  ${fmt(size)} events/write: ${fmt(rate)} events/s (${seconds.toFixed(1)} s, group join included), ${writesPerEvent.toFixed(2)} document writes/event, `
              + `${((used.user + used.system) / backlog).toFixed(0)} µs CPU/event; read-store bound ${fmt(raw.batched1000 / writesPerEvent)} events/s → ${((100 * rate * writesPerEvent) / raw.batched1000).toFixed(0)}%`,
          );
        } finally {
          await side.stop();
          await side.readStore.close();
          await kind.discard(label);
        }
      }
    }
  } finally {
    await deleteBenchTopics(kafka, [topic]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
