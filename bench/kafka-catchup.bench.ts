// The Kafka projector's catch-up in several settings, alternated in one run on one topic: a backlog
// appended and published once, then for each arm (each round) a new consumer group reads the whole
// topic into a fresh read store. Shows how many document writes an event costs, the catch-up rate
// and the CPU it took (the whole process, and its main thread alone) for each arm, beside raw
// SQLite's write rate of the same run.
//   BENCH_CATCHUP_EVENTS (40,000)  BENCH_CUSTOMERS (5,000)  BENCH_ROUNDS (2)
//   BENCH_KAFKA_PROJECTOR_ARMS: comma-separated events-per-write:partitions-in-flight:SQLite-writes
//     (default 2000:1:inline,2000:3:thread: before and after the pipelined projector)
//   BENCH_KAFKA_WRITE_BATCHES (e.g. 500,2000): arms of those write sizes, with the other two settings at their defaults
//   BENCH_CATCHUP_STORE: sqlite (default) or mongo (the MONGO_URL server, e.g. FerretDB)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@app/event-store';
import { createKafkaClient } from '@app/transport/kafka';
import type { SqliteReadStoreWrites } from '@app/read-store';
import { BENCH_READ_STORE_WRITES, benchEngines, deleteBenchTopics, freshBenchId, readStoreKinds } from './kafka-engines';
import { BENCH_PARTITIONS_IN_FLIGHT, mainThreadCpuMicros, startProjectorSide, startRelay, waitUntil, pipelineFailure } from './kafka-pipeline';
import { appendPlan, planWorkload } from './kafka-workload';
import { measureRawSqlite } from './raw-sqlite';
import { fmt } from './stats';

const EVENTS = Number(process.env['BENCH_CATCHUP_EVENTS'] ?? 40_000);
const CUSTOMERS = Number(process.env['BENCH_CUSTOMERS'] ?? 5_000);
interface Arm {
  readonly size: number;
  readonly inFlight: number;
  readonly writes: SqliteReadStoreWrites;
}
const ARMS: readonly Arm[] = process.env['BENCH_KAFKA_WRITE_BATCHES']
  ? process.env['BENCH_KAFKA_WRITE_BATCHES'].split(',').map((size) => ({ size: Number(size), inFlight: BENCH_PARTITIONS_IN_FLIGHT, writes: BENCH_READ_STORE_WRITES }))
  : (process.env['BENCH_KAFKA_PROJECTOR_ARMS'] ?? '2000:1:inline,2000:3:thread').split(',').map((arm) => {
      const [size, inFlight, writes] = arm.split(':');
      return { size: Number(size), inFlight: Number(inFlight), writes: writes === 'thread' ? 'thread' : 'inline' };
    });
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
      for (const { size, inFlight, writes } of round % 2 === 1 ? ARMS : [...ARMS].reverse()) {
        const label = `r${round}-w${size}-p${inFlight}-${writes}`;
        const cpu = process.cpuUsage();
        const mainCpu = mainThreadCpuMicros();
        const started = performance.now();
        const side = await startProjectorSide(kafka, await kind.open(dir, label, writes), topic, `${runId}-${label}`, PARTITIONS, { maxEventsPerWrite: size, partitionsInFlight: inFlight });
        try {
          await waitUntil(() => side.applied.count >= backlog, TIMEOUT_MS, `catch-up ${label}`, pipelineFailure(undefined, side));
          const seconds = (performance.now() - started) / 1000;
          const used = process.cpuUsage(cpu);
          const usedMain = mainThreadCpuMicros() - mainCpu;
          const writesPerEvent = side.readStore.timings.writes / backlog;
          const rate = backlog / seconds;
          console.log(
            `  ${fmt(size)} events/write, ${inFlight} partition(s) in flight, writes ${writes}: ${fmt(rate)} events/s (${seconds.toFixed(1)} s, group join included), ${writesPerEvent.toFixed(2)} document writes/event, `
              + `${((used.user + used.system) / backlog).toFixed(0)} µs CPU/event (main thread ${(usedMain / backlog).toFixed(0)}); `
              // The raw SQLite rate bounds the SQLite read store only; a MongoDB-wire server's own bound is measured by bench:kafka (plain driver).
              + (STORE === 'mongo'
                ? `read store ${kind.name}: its own raw bound is measured by npm run bench:kafka`
                : `read-store bound ${fmt(raw.batched1000 / writesPerEvent)} events/s → ${((100 * rate * writesPerEvent) / raw.batched1000).toFixed(0)}%`),
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
