// The production Kafka path as the bench runs it: KafkaRelay (event store → topic) and
// KafkaProjector → ProjectorRunner over chronicleProjections → read store, with counters that say
// when every event is applied and where the projector's time goes (load, project, write).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import type { Checkpoint, Checkpoints, CollectionDefinition, ReadDocument, ReadStore, ReadStoreWrite } from '@app/read-store';
import { PartitionWatermarks, ProjectorRunner } from '@app/transport';
import { EventStoreCheckpointStore, KafkaProjector, KafkaRelay, ensureTopic } from '@app/transport/kafka';
import { chronicleProjections } from '@app/composition/read-models';
import type { FromRelayProcess } from './kafka-relay-process';

/** Resolves once `condition` holds, checking every few milliseconds; fails after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string, failure?: () => Error | undefined): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    const failed = failure?.();
    if (failed) throw failed;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Milliseconds spent in the read store's calls, and how many document writes it took. */
export interface ReadStoreTimings {
  loadMs: number;
  writeMs: number;
  writes: number;
  batches: number;
}

/** A ReadStore that times getMany (the runner's document load) and applyBatch (its write). */
export class TimedReadStore implements ReadStore {
  readonly timings: ReadStoreTimings = { loadMs: 0, writeMs: 0, writes: 0, batches: 0 };

  constructor(readonly inner: ReadStore) {}

  ensureCollections(definitions: readonly CollectionDefinition[]): Promise<void> {
    return this.inner.ensureCollections(definitions);
  }
  get: ReadStore['get'] = (collection, id) => this.inner.get(collection, id);
  find: ReadStore['find'] = (collection, filter, options) => this.inner.find(collection, filter, options);
  count: ReadStore['count'] = (collection, filter) => this.inner.count(collection, filter);
  aggregate: ReadStore['aggregate'] = (collection, filter, spec) => this.inner.aggregate(collection, filter, spec);

  private loadsInFlight = 0;
  private loadStarted = 0;

  /** The runner loads its collections concurrently: count wall time while any load runs, not the sum. */
  async getMany<T extends ReadDocument = ReadDocument>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
    if (this.loadsInFlight++ === 0) this.loadStarted = performance.now();
    try {
      return await this.inner.getMany<T>(collection, ids);
    } finally {
      if (--this.loadsInFlight === 0) this.timings.loadMs += performance.now() - this.loadStarted;
    }
  }

  async applyBatch(writes: readonly ReadStoreWrite[], checkpoints?: Checkpoints): Promise<void> {
    const started = performance.now();
    try {
      await this.inner.applyBatch(writes, checkpoints);
    } finally {
      this.timings.writeMs += performance.now() - started;
      this.timings.writes += writes.length;
      this.timings.batches += 1;
    }
  }

  getCheckpoint(name: string): Promise<number | null> {
    return this.inner.getCheckpoint(name);
  }
  clear(collections: readonly string[]): Promise<void> {
    return this.inner.clear(collections);
  }
  listCheckpoints: ReadStore['listCheckpoints'] = () => this.inner.listCheckpoints();
  deleteCheckpoint: ReadStore['deleteCheckpoint'] = (name) => this.inner.deleteCheckpoint(name);
  drop: ReadStore['drop'] = (collections) => this.inner.drop(collections);
  purge: ReadStore['purge'] = (collections) => this.inner.purge(collections);
  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Which global positions the runner has applied, counted once each. The runner's own `position`
 * is the highest position applied, which with several partitions runs ahead of what is complete,
 * so "everything applied" is counted here instead.
 */
export class AppliedPositions {
  private seen = new Uint8Array(1 << 16);
  private distinct = 0;

  get count(): number {
    return this.distinct;
  }

  add(events: readonly RecordedEvent[]): void {
    for (const { position } of events) {
      if (position >= this.seen.length) {
        const grown = new Uint8Array(Math.max(position + 1, this.seen.length * 2));
        grown.set(this.seen);
        this.seen = grown;
      }
      if (this.seen[position] === 0) {
        this.seen[position] = 1;
        this.distinct += 1;
      }
    }
  }
}

export interface ProjectorSide {
  readonly runner: ProjectorRunner;
  readonly projector: KafkaProjector;
  readonly readStore: TimedReadStore;
  readonly applied: AppliedPositions;
  /** Wall milliseconds while any runner.applyBatch was in hand (several partitions' batches overlap). */
  readonly runnerMs: () => number;
  /** Partition batches handed to the runner so far (each a read-store write, plus one per watermark `apart`). */
  readonly runnerBatches: () => number;
  /** The applied watermark as a query API reads it from the read store (0 with BENCH_WATERMARKS=none). */
  readonly watermark: () => Promise<number>;
  /** CPU microseconds of this process's main thread (projection, loads, Kafka; not the write thread) since the side started. */
  readonly mainThreadCpuMicros: () => number;
  stop(): Promise<void>;
}

/** Partitions whose batches the projector has in hand at once (the deployment's KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT). */
export const BENCH_PARTITIONS_IN_FLIGHT = Number(process.env.BENCH_PARTITIONS_IN_FLIGHT ?? 3);

/**
 * How the projector stores each partition's watermark: in the batch's own write, as deployed
 * (`alongside`, the default); in a write of its own after it, as before 2026-12-04 (`apart`); or
 * not at all, as the bench did before then (`none`).
 */
export type BenchWatermarks = 'alongside' | 'apart' | 'none';
export const BENCH_WATERMARKS: BenchWatermarks = process.env.BENCH_WATERMARKS === 'apart' || process.env.BENCH_WATERMARKS === 'none' ? process.env.BENCH_WATERMARKS : 'alongside';

export interface ProjectorSideOptions {
  readonly maxEventsPerWrite?: number;
  readonly partitionsInFlight?: number;
  readonly watermarks?: BenchWatermarks;
}

/** Creates the topic, starts a runner and a projector in a fresh group, and waits until it holds partitions. */
export async function startProjectorSide(
  kafka: Kafka, store: ReadStore, topic: string, groupId: string, partitions: number,
  { maxEventsPerWrite, partitionsInFlight = BENCH_PARTITIONS_IN_FLIGHT, watermarks = BENCH_WATERMARKS }: ProjectorSideOptions = {},
): Promise<ProjectorSide> {
  await ensureTopic(kafka, topic, { partitions, replicationFactor: -1 });
  const readStore = new TimedReadStore(store);
  const runner = new ProjectorRunner(readStore, chronicleProjections('EUR'), { name: `bench-${groupId}` });
  await runner.start();
  const applied = new AppliedPositions();
  runner.onApplied((events) => applied.add(events));
  let runnerMs = 0;
  let runnerBatches = 0;
  let inHand = 0;
  let since = 0;
  const sink = {
    applyBatch: async (events: RecordedEvent[], alongside?: readonly Checkpoint[]) => {
      if (inHand++ === 0) since = performance.now();
      runnerBatches += 1;
      try {
        await runner.applyBatch(events, alongside);
      } finally {
        if (--inHand === 0) runnerMs += performance.now() - since;
      }
    },
    recover: () => runner.recover(),
  };
  const cpuAtStart = mainThreadCpuMicros();
  // Watermarks in the read store as the deployed projector keeps them (chronicle.module.ts).
  const marks = new PartitionWatermarks(readStore, runner.name);
  const watermarkSink = watermarks === 'alongside' ? marks : watermarks === 'apart' ? { record: marks.record.bind(marks) } : undefined;
  // A short fetch wait keeps the live path from idling on an empty partition while another fills.
  // The projector's own write batch unless told otherwise (bench/kafka-catchup.bench.ts compares sizes).
  const projector = new KafkaProjector(sink, kafka, {
    groupId, topic, maxWaitTimeInMs: 100, partitionsInFlight, ...(maxEventsPerWrite ? { maxEventsPerWrite } : {}), ...(watermarkSink ? { watermarks: watermarkSink } : {}),
  });
  await projector.start();
  await waitUntil(() => projector.assignedPartitions.length === partitions, 60_000, `projector ${groupId} holds all ${partitions} partitions`, () => projector.failure);
  return { runner, projector, readStore, applied, runnerMs: () => runnerMs, runnerBatches: () => runnerBatches, watermark: () => (watermarkSink ? marks.read() : Promise.resolve(0)), mainThreadCpuMicros: () => mainThreadCpuMicros() - cpuAtStart, stop: () => projector.stop() };
}

/** CPU time of this process's main thread (user + system), in µs, from /proc (clock ticks of 10 ms). */
export function mainThreadCpuMicros(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export async function startRelay(store: EventStore, kafka: Kafka, topic: string, name: string, partitions: number): Promise<KafkaRelay> {
  const relay = new KafkaRelay(store, new EventStoreCheckpointStore(store), kafka, { name, topic, partitions, maxBatchSize: 500 });
  await relay.start();
  return relay;
}

/** The first failure of the relay or the projector, once it happened. */
export function pipelineFailure(relay: KafkaRelay | undefined, side: ProjectorSide | undefined): () => Error | undefined {
  let relayError: Error | undefined;
  relay?.done.catch((error: unknown) => {
    relayError = error instanceof Error ? error : new Error(String(error));
  });
  return () => relayError ?? side?.projector.failure;
}

/** A relay running in a child process (bench/kafka-relay-process.ts) over the event log in `file`. */
export interface RelayProcess {
  /** performance.now() of this process when the child began starting its relay. */
  readonly startedAt: number;
  /** The child's failure, once it failed or exited early. */
  failure(): Error | undefined;
  /** Stops the relay and the child; resolves with how many events it published. */
  stop(): Promise<number>;
}

export async function startRelayProcess(args: { file: string; brokers: string; topic: string; name: string; partitions: number }): Promise<RelayProcess> {
  const child = fork(join(__dirname, 'kafka-relay-process.ts'), [JSON.stringify(args)], {
    execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let failed: Error | undefined;
  let stopped: ((published: number) => void) | undefined;
  let startedAt = 0;
  const started = new Promise<void>((resolve, reject) => {
    child.on('message', (message: FromRelayProcess) => {
      if (message.kind === 'starting') startedAt = performance.now();
      if (message.kind === 'started') resolve();
      if (message.kind === 'stopped') stopped?.(message.published);
      if (message.kind === 'failed') {
        failed = new Error(`relay process: ${message.message}`);
        reject(failed);
      }
    });
    child.once('exit', (code) => {
      failed ??= new Error(`relay process exited with code ${code}`);
      reject(failed);
    });
  });
  await started;
  return {
    startedAt,
    failure: () => failed,
    stop: () =>
      new Promise<number>((resolve, reject) => {
        stopped = resolve;
        child.once('exit', () => (failed ? reject(failed) : undefined));
        child.send('stop');
      }),
  };
}
