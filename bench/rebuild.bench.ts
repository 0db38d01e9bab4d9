// Full rebuild of every read model from a log, against the raw scan of the same file in the same run:
// the projection path's own cost, with no HTTP, Kafka or reactors around it. Profile it with
// `node --cpu-prof -r ts-node/register/transpile-only -r tsconfig-paths/register bench/rebuild.bench.ts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '@app/event-store';
import { SqliteReadStore, type SqliteReadStoreWrites } from '@app/read-store';
import { rebuildReadModels } from '@app/composition';
import { TimedReadStore } from './kafka-pipeline';
import { appendPlan, planWorkload } from './kafka-workload';
import { measureRawScan } from './raw-sqlite';
import { fmt } from './stats';

const EVENTS = Number(process.env['BENCH_REBUILD_EVENTS'] ?? 30_000);
const CUSTOMERS = Number(process.env['BENCH_REBUILD_CUSTOMERS'] ?? 3_000);
/** The CLI's batch size. */
const BATCH = Number(process.env['BENCH_REBUILD_BATCH'] ?? 10_000);
/** Where the read store commits: on a write thread, as the CLI's rebuild does (default), or inline. */
const WRITES: SqliteReadStoreWrites = process.env['BENCH_REBUILD_WRITES'] === 'inline' ? 'inline' : 'thread';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-rebuild-bench-'));
  const eventsFile = join(dir, 'events.sqlite');
  try {
    const store = new SqliteEventStore(eventsFile);
    const total = await appendPlan(store, planWorkload(randomUUID().slice(0, 8), CUSTOMERS, EVENTS));
    await store.close();
    const raw = measureRawScan(eventsFile);
    const events = new SqliteEventStore(eventsFile);
    // Timed from outside: the runner's document loads and its write transactions, the rest is projection.
    const readModels = new TimedReadStore(new SqliteReadStore(join(dir, 'read-models.sqlite'), { writes: WRITES }));
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const rebuilt = await rebuildReadModels(events, readModels, { batchSize: BATCH, currency: 'EUR' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    // CPU time per event says more than the rate on a machine whose other processes take cores away.
    const cpuMicrosPerEvent = (used.user + used.system) / Math.max(1, rebuilt.events);
    await readModels.close();
    // What a reactor pays to follow the log: every event, or only the types it acts on (the loyalty
    // reactor's purchases and refunds), each subscription from the start to the head.
    const reactorTypes = ['PurchaseCompleted', 'PurchaseRefunded'];
    const lastOfTypes = (await events.queryLog({ types: reactorTypes })).at(-1)?.position ?? 0;
    const follow = async (types?: readonly string[]) => {
      const lastWanted = types ? lastOfTypes : await events.headPosition();
      const begun = process.hrtime.bigint();
      let delivered = 0;
      let reached = 0;
      await new Promise<void>((resolve, reject) => {
        const subscription = events.subscribeToAll({ from: 'start', maxBatchSize: 200, ...(types ? { types } : {}) }, async (batch) => {
          delivered += batch.length;
          reached = batch[batch.length - 1]?.position ?? reached;
          if (reached >= lastWanted) void subscription.close().then(resolve, reject);
        });
        subscription.done.catch(reject);
      });
      return { delivered, ms: Number(process.hrtime.bigint() - begun) / 1e6 };
    };
    const everything = await follow();
    const filtered = await follow(reactorTypes);
    await events.close();
    const rate = rebuilt.events / seconds;
    console.log(`rebuild of ${fmt(total)} events over ${fmt(CUSTOMERS)} customers, batches of ${fmt(BATCH)}, writes ${WRITES}, Node ${process.version}`);
    console.log(`raw scan + parse ${fmt(raw.rowsPerSecond)} rows/s`);
    console.log(`reactor following the log: every event ${everything.ms.toFixed(0)} ms (${fmt(everything.delivered)} delivered); purchases and refunds only ${filtered.ms.toFixed(0)} ms (${fmt(filtered.delivered)} delivered)`);
    const { loadMs, writeMs, writes } = readModels.timings;
    const share = (ms: number) => `${((100 * ms) / (seconds * 1000)).toFixed(0)}%`;
    const written = `${fmt(writes)} document writes, ${((1000 * writeMs) / Math.max(1, writes)).toFixed(1)} µs each, ${(writes / Math.max(1, rebuilt.events)).toFixed(2)} per event`;
    console.log(
      WRITES === 'thread'
        // The next batch is read and projected while one is written: the parts overlap.
        ? `where the time went: a write in progress ${share(writeMs)} of the run (${written}; the next batch read and projected meanwhile), load ${share(loadMs)}`
        : `where the time went: write ${share(writeMs)} (${written}), load ${share(loadMs)}, read log + project ${share(seconds * 1000 - loadMs - writeMs)}`,
    );
    console.log(`full rebuild ${fmt(rate)} events/s (${seconds.toFixed(1)} s) = ${((100 * rate) / raw.rowsPerSecond).toFixed(1)}% of the raw scan; CPU ${cpuMicrosPerEvent.toFixed(0)} µs/event (raw scan ${(1e6 / raw.rowsPerSecond).toFixed(0)} µs/row)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
