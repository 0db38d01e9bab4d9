// Benchmark of the production Kafka path: SqliteEventStore → KafkaRelay → Kafka → KafkaProjector →
// ProjectorRunner (chronicleProjections) → read store (SQLite, and MongoDB wire when MONGO_URL is
// set), each figure beside the raw engine limits measured in the same run.
// Run: npm run bench:kafka   (needs the broker of `npm run engines:up`; results also go to bench/results/)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka, Message } from 'kafkajs';
import type { RecordedEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import type { ReadDocument } from '@app/read-store';
import { createKafkaClient, decodeEventMessage, encodeEventMessage, type KafkaRelay } from '@app/transport/kafka';
import { measureRawSqlite } from './raw-sqlite';
import { fmt, machineLine, summarise, table } from './stats';
import { BENCH_READ_STORE_WRITES, benchEngines, deleteBenchTopics, freshBenchId, readStoreKinds, type ReadStoreKind } from './kafka-engines';
import { measureRawKafka, measureRawReadStore, type RawReadStoreRates } from './kafka-raw';
import { BENCH_PARTITIONS_IN_FLIGHT, BENCH_WATERMARKS, pipelineFailure, startProjectorSide, startRelay, startRelayProcess, waitUntil, type ProjectorSide } from './kafka-pipeline';
import { appendPlan, benchCustomerId, benchEnvelope, planWorkload } from './kafka-workload';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 5_000);
const CATCHUP_EVENTS = Number(process.env.BENCH_CATCHUP_EVENTS ?? 200_000);
/** `sqlite` or `all`: which read stores the catch-up runs on. */
const CATCHUP_STORES = process.env.BENCH_CATCHUP_STORES ?? 'sqlite';
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 2_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
// The MongoDB-wire engine here is FerretDB 1.24 on SQLite, where every keyed write reads the whole
// collection (see deploy/engines/README.md): tens of events/s, so it gets a smaller log, a slower
// latency probe (one batch per event costs several whole-collection reads there) and a smaller raw
// sample, so a default run stays within minutes.
const MONGO_EVENTS = Number(process.env.BENCH_MONGO_EVENTS ?? 2_000);
/** Ready-made documents written in the raw read-store measurement (a rate needs a sample, not all). */
const RAW_DOCS = 50_000;
const MONGO_RAW_DOCS = Number(process.env.BENCH_MONGO_RAW_DOCS ?? 500);
const MONGO_LATENCY_RATE = Number(process.env.BENCH_MONGO_LATENCY_RATE ?? 1);
const MONGO_LATENCY_SECONDS = Number(process.env.BENCH_MONGO_LATENCY_SECONDS ?? 10);
const PARTITIONS = 6;
const TARGET_THROUGHPUT = 10_000;
const TARGET_P99_MS = 500;
const APPLY_TIMEOUT_MS = 20 * 60_000;

const rate = (count: number, ms: number) => (count / ms) * 1000;
const pct = (value: number, limit: number) => `${fmt((value / limit) * 100)}%`;
const seconds = (ms: number) => `${fmt(ms / 1000, 1)} s`;
/** The target cell of an end-to-end row: met, or by how much it was missed. */
const throughputTarget = (eventsPerSecond: number) =>
  `≥ ${fmt(TARGET_THROUGHPUT)} events/s ${eventsPerSecond >= TARGET_THROUGHPUT ? 'met' : `MISSED by ${fmt(TARGET_THROUGHPUT - eventsPerSecond)}/s (${pct(TARGET_THROUGHPUT - eventsPerSecond, TARGET_THROUGHPUT)})`}`;

function toMessage(event: RecordedEvent): Message {
  const encoded = encodeEventMessage(event);
  return { key: encoded.key, value: encoded.value, headers: { ...encoded.headers }, timestamp: encoded.timestamp };
}

/** Microseconds per event to decode a received message (Buffers in), as the projector does. */
function decodeCost(events: readonly RecordedEvent[]): number {
  const received = events.map((event) => {
    const m = encodeEventMessage(event);
    const headers: Record<string, Buffer> = {};
    for (const [name, value] of Object.entries(m.headers)) headers[name] = Buffer.from(value);
    return { key: Buffer.from(m.key), value: Buffer.from(m.value), headers };
  });
  const started = performance.now();
  for (const message of received) decodeEventMessage(message);
  return ((performance.now() - started) * 1000) / received.length;
}

interface PipelineRun {
  readonly events: number;
  readonly ms: number;
  readonly profile: string;
  readonly writesPerEvent: number;
  readonly writesPerBatch: number;
}

/** Every document the runner's collections hold, for the raw write measurement. */
async function readyMadeDocuments(side: ProjectorSide): Promise<{ collection: string; doc: ReadDocument }[]> {
  const docs: { collection: string; doc: ReadDocument }[] = [];
  for (const { name } of side.runner.collections) {
    for (const doc of await side.readStore.inner.find(name, {})) docs.push({ collection: name, doc });
  }
  return docs;
}

/** Every n-th item, so each collection keeps its share of the sample. */
function sample<T>(items: readonly T[], most: number): T[] {
  const step = Math.max(1, items.length / most);
  return Array.from({ length: Math.min(most, items.length) }, (_, i) => items[Math.floor(i * step)]);
}

function profileOf(side: ProjectorSide, ms: number, events: number, decodeMicros: number): string {
  const { loadMs, writeMs, batches } = side.readStore.timings;
  const share = (part: number) => `${fmt((part / ms) * 100)}%`;
  // With several partitions in flight a batch is loaded and projected while the one before is
  // written, so the parts overlap: each is a share of the run on its own, not a slice of one whole.
  return `a batch in hand ${share(side.runnerMs())} of the run (loading documents ${share(loadMs)}, writing ${share(writeMs)}, decode ≈${share((decodeMicros * events) / 1000)}); `
    + `main thread CPU ${fmt(side.mainThreadCpuMicros() / events)} µs/event; ${fmt(batches)} read-store writes for ${fmt(side.runnerBatches())} partition batches (watermarks ${BENCH_WATERMARKS})`;
}

/** Open loop at LATENCY_RATE appends/s on the running pipeline; each sample: append resolved → applied. */
async function appendToApplied(store: SqliteEventStore, relay: KafkaRelay, side: ProjectorSide, runId: string, customers: number, perSecond: number, seconds: number, failure: () => Error | undefined) {
  const started = new Map<string, number>();
  const applied: number[] = [];
  const published: number[] = [];
  const publishedAt = new Map<string, number>();
  const stopPublished = relay.onPublished((events) => {
    const now = performance.now();
    for (const event of events) if (started.has(event.eventId)) publishedAt.set(event.eventId, now);
  });
  const stopApplied = side.runner.onApplied((events) => {
    const now = performance.now();
    for (const event of events) {
      const t0 = started.get(event.eventId);
      if (t0 === undefined) continue;
      started.delete(event.eventId);
      applied.push(now - t0);
      const relayed = publishedAt.get(event.eventId);
      if (relayed !== undefined) published.push(relayed - t0);
      publishedAt.delete(event.eventId);
    }
  });
  // What a query with minPosition over all partitions waits for (an aggregate, the ticket queue): the
  // applied watermark, read from the read store every 10 ms as the query API does (KAFKA_PROGRESS_POLL_MS).
  const awaitingWatermark: { position: number; t0: number }[] = [];
  const visible: number[] = [];
  let polling = true;
  const begin = performance.now();
  const watermarkPoll = (async () => {
    while (polling || awaitingWatermark.length > 0) {
      const mark = await side.watermark();
      const now = performance.now();
      while (awaitingWatermark.length > 0 && (awaitingWatermark[0]?.position ?? Infinity) <= mark) visible.push(now - (awaitingWatermark.shift()?.t0 ?? now));
      if (performance.now() - begin > (seconds * 1000) + APPLY_TIMEOUT_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const appends: Promise<void>[] = [];
  let sent = 0;
  let appendErrors = 0;
  while (performance.now() - begin < seconds * 1000) {
    const due = Math.floor(((performance.now() - begin) / 1000) * perSecond);
    for (; sent < due; sent++) {
      const i = sent;
      const customerId = benchCustomerId(runId, (i * 7919) % customers);
      const callId = `lat-${runId}-${i}`;
      const event = benchEnvelope(runId, customerId, `call-${callId}`, `call-${callId}`, Date.now(), {
        type: 'CallLogged', data: { customerId, callId, direction: 'inbound', durationSeconds: 60, connection: 'answered', resolution: 'resolved', summary: 'Latency probe' },
      });
      appends.push(store.append(`call-${callId}`, [event], { expectedRevision: 'no_stream' }).then(
        (result) => {
          const t0 = performance.now();
          started.set(event.eventId, t0);
          awaitingWatermark.push({ position: result.position, t0 });
        },
        () => void appendErrors++,
      ));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const sendMs = performance.now() - begin;
  await Promise.all(appends);
  await waitUntil(() => started.size === 0, APPLY_TIMEOUT_MS, 'every latency probe is applied', failure);
  polling = false;
  await watermarkPoll;
  stopApplied();
  stopPublished();
  return { ...summarise(applied), relay: summarise(published), watermark: visible.length > 0 ? summarise(visible) : undefined, achieved: rate(sent, sendMs), appendErrors };
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(line + '\n');
  };
  const engines = benchEngines();
  const runId = freshBenchId();
  const kafka: Kafka = createKafkaClient({ brokers: engines.kafkaBrokers, clientId: `chronicle-bench-${runId}` });
  const topics: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-kafka-bench-'));
  say(`# Kafka path benchmark, ${new Date().toISOString()}`);
  say(`machine: ${machineLine()} at the start; `
    + `broker ${engines.kafkaBrokers} (${PARTITIONS} partitions), read stores: ${readStoreKinds(engines, runId).map((k) => k.name).join(', ')}`);
  say(`workload: ${fmt(EVENTS)} catalogue events over ${fmt(CUSTOMERS)} customers; latency ${fmt(LATENCY_RATE)}/s for ${LATENCY_SECONDS} s; catch-up ${fmt(CATCHUP_EVENTS)} events; `
    + `MongoDB wire: ${fmt(MONGO_EVENTS)} events, latency ${fmt(MONGO_LATENCY_RATE)}/s for ${MONGO_LATENCY_SECONDS} s, raw sample ${fmt(MONGO_RAW_DOCS)} docs`);
  say(`projector: ${BENCH_PARTITIONS_IN_FLIGHT} partitions in flight, SQLite read store's writes ${BENCH_READ_STORE_WRITES}, partition watermarks ${BENCH_WATERMARKS}\n`);

  const rows: string[][] = [['measurement', 'result', 'raw limit (same run)', 'ratio', 'target']];
  const notes: string[] = [];
  try {
    // 1c. raw SQLite, the event store's physical limit.
    const rawSqlite = measureRawSqlite('NORMAL');
    say(`raw SQLite insert (WAL, NORMAL): ${fmt(rawSqlite.batched1000)} rows/s in 1,000-row transactions`);

    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    let appendStarted = performance.now();
    const mainTotal = await appendPlan(store, planWorkload(runId, CUSTOMERS, EVENTS));
    const appendRate = rate(mainTotal, performance.now() - appendStarted);
    say(`pre-appended ${fmt(mainTotal)} events at ${fmt(appendRate)} events/s (group commits of 2,000 appends)`);

    // 1a. raw Kafka with the very messages the relay sends.
    const recorded = await store.readAll();
    const decodeMicros = decodeCost(recorded.slice(0, 20_000));
    const rawTopic = `chronicle.bench.${runId}.raw`;
    topics.push(rawTopic);
    const rawKafka = await measureRawKafka(kafka, rawTopic, `${runId}-raw`, PARTITIONS, recorded.map(toMessage));
    say(`raw Kafka: ${fmt(rawKafka.messages)} messages of ${fmt(rawKafka.averageBytes)} bytes: produce ${fmt(rawKafka.produced)} msg/s, produce+consume ${fmt(rawKafka.producedAndConsumed)} msg/s; decode ${fmt(decodeMicros, 1)} µs/event`);
    rows.push(['raw Kafka produce (kafkajs, 500-message batches, 4 in flight, acks all)', `${fmt(rawKafka.produced)} msg/s`, '', '', '']);
    rows.push(['raw Kafka produce + consume (consumer already in its group)', `${fmt(rawKafka.producedAndConsumed)} msg/s`, '', '', '']);
    rows.push(['raw SQLite insert, 1,000-row transactions', `${fmt(rawSqlite.batched1000)} rows/s`, '', '', '']);
    rows.push(['event store pre-append (group commits)', `${fmt(appendRate)} events/s`, `${fmt(rawSqlite.batched1000)} rows/s`, pct(appendRate, rawSqlite.batched1000), '']);

    const kinds = readStoreKinds(engines, runId);
    const rawBounds = new Map<string, { raw: RawReadStoreRates; eventsPerSecond: number; writesPerEvent: number; writesPerBatch: number }>();
    for (const [k, kind] of kinds.entries()) {
      const label = `e2e${k}`;
      const own = k === 0 ? undefined : new SqliteEventStore(join(dir, `${label}-events.sqlite`));
      const logStore = own ?? store;
      const customers = own ? Math.max(1, Math.min(CUSTOMERS, Math.floor(MONGO_EVENTS / 10))) : CUSTOMERS;
      const total = own ? await appendPlan(own, planWorkload(`${runId}${label}`, customers, MONGO_EVENTS)) : mainTotal;
      const latencySeconds = own ? MONGO_LATENCY_SECONDS : LATENCY_SECONDS;
      const latencyRate = own ? MONGO_LATENCY_RATE : LATENCY_RATE;
      const topic = `chronicle.bench.${runId}.${label}`;
      topics.push(topic);
      const side = await startProjectorSide(kafka, await kind.open(dir, label), topic, `${runId}-${label}`, PARTITIONS);
      const started = performance.now();
      const relay = await startRelay(logStore, kafka, topic, `bench-${runId}-${label}`, PARTITIONS);
      const failure = pipelineFailure(relay, side);
      let run: PipelineRun;
      try {
        // 2. sustained: the whole pre-appended log through relay, broker, projector and read store.
        await waitUntil(() => side.applied.count >= total, APPLY_TIMEOUT_MS, `${kind.name}: all ${total} events applied`, failure);
        const ms = performance.now() - started;
        const { writes, batches } = side.readStore.timings;
        run = { events: total, ms, profile: profileOf(side, ms, total, decodeMicros), writesPerEvent: writes / total, writesPerBatch: writes / batches };
        say(`${kind.name}: ${fmt(total)} events end to end in ${seconds(ms)} = ${fmt(rate(total, ms))} events/s; ${run.profile}; ${fmt(run.writesPerEvent, 2)} document writes/event`);

        // 3. append → applied at a steady rate on the live pipeline.
        const latency = await appendToApplied(logStore, relay, side, own ? `${runId}${label}` : runId, customers, latencyRate, latencySeconds, failure);
        say(`${kind.name}: append→applied at ${fmt(latency.achieved)}/s: p50 ${fmt(latency.p50, 1)} ms, p99 ${fmt(latency.p99, 1)} ms, max ${fmt(latency.max, 1)} ms (${latency.n} samples; append→published p50 ${fmt(latency.relay.p50, 1)} ms, p99 ${fmt(latency.relay.p99, 1)} ms`
          + `${latency.watermark ? `; append→applied watermark (what a query over all partitions waits for) p50 ${fmt(latency.watermark.p50, 1)} ms, p99 ${fmt(latency.watermark.p99, 1)} ms, ${latency.watermark.n} samples` : ''})`);

        // 1b. raw read-store writes of the very documents this run produced: through the adapter
        // (applyBatch, no projection), and where there is a server, the server alone (plain driver).
        const docs = sample(await readyMadeDocuments(side), own ? MONGO_RAW_DOCS : RAW_DOCS);
        const batchSize = Math.max(1, Math.round(run.writesPerBatch));
        // The raw bound: the engine's own write, on the caller's thread.
        const rawStore = await kind.open(dir, `${label}raw`, 'inline');
        const adapter = await measureRawReadStore(rawStore, side.runner.collections, docs, batchSize);
        await rawStore.close();
        await kind.discard(`${label}raw`);
        say(`${kind.name}: applyBatch of ${fmt(adapter.documents)} ready-made documents in batches of ${fmt(run.writesPerBatch)}: insert ${fmt(adapter.inserted)} docs/s, replace ${fmt(adapter.replaced)} docs/s`);
        const server = await kind.measureServer?.(`${label}srv`, docs, batchSize);
        if (server) {
          say(`${kind.name}: plain driver, same documents and batches: insertMany ${fmt(server.inserted)} docs/s, replaceOne by _id ${fmt(server.replaced)} docs/s, replaceOne with the guard filter ${fmt(server.replacedGuarded)} docs/s`);
        }
        // The bound: the server's own rate where there is one (the adapter's guard is part of what is measured), else the adapter's.
        const raw = server ?? adapter;
        const boundRate = Math.min(raw.inserted, raw.replaced) / run.writesPerEvent;
        rawBounds.set(kind.name, { raw, eventsPerSecond: boundRate, writesPerEvent: run.writesPerEvent, writesPerBatch: run.writesPerBatch });
        say(`${kind.name}: read store bound ${fmt(boundRate)} events/s (${server ? 'plain driver' : 'applyBatch'}, ${fmt(run.writesPerEvent, 2)} writes/event)`);

        const e2e = rate(total, run.ms);
        rows.push([`${kind.name}: applyBatch of ready-made docs (${fmt(run.writesPerBatch)}/batch, no projection)`, `insert ${fmt(adapter.inserted)} docs/s, replace ${fmt(adapter.replaced)} docs/s`, '', '', '']);
        if (server) {
          rows.push([`${kind.name}: plain driver, same docs and batches (no adapter)`,
            `insertMany ${fmt(server.inserted)} docs/s, replaceOne by _id ${fmt(server.replaced)} docs/s, replaceOne + guard filter ${fmt(server.replacedGuarded)} docs/s`, '', '', '']);
        }
        rows.push([`${kind.name}: end-to-end sustained, ${fmt(total)} events (relay → Kafka → projector → read store)`, `${fmt(e2e)} events/s (${seconds(run.ms)})`,
          `Kafka ${fmt(rawKafka.producedAndConsumed)} msg/s; read store ${fmt(boundRate)} events/s (${fmt(run.writesPerEvent, 2)} writes/event); SQLite ${fmt(rawSqlite.batched1000)} rows/s`,
          `${pct(e2e, rawKafka.producedAndConsumed)} / ${pct(e2e, boundRate)} / ${pct(e2e, rawSqlite.batched1000)}`, throughputTarget(e2e)]);
        rows.push([`${kind.name}: append → applied at ${fmt(latencyRate)}/s (open loop, ${latencySeconds} s)`,
          `p50 ${fmt(latency.p50, 1)} ms, p99 ${fmt(latency.p99, 1)} ms, max ${fmt(latency.max, 1)} ms (${fmt(latency.achieved)}/s achieved, ${latency.appendErrors} append errors)`
            + (latency.watermark ? `; to the applied watermark p50 ${fmt(latency.watermark.p50, 1)} ms, p99 ${fmt(latency.watermark.p99, 1)} ms` : ''),
          '', '', `p99 < ${TARGET_P99_MS} ms ${latency.p99 < TARGET_P99_MS ? 'met' : `MISSED by ${fmt(latency.p99 - TARGET_P99_MS)} ms`}`]);
        notes.push(`${kind.name} sustained run, where the time went: ${run.profile}.`);
      } finally {
        await relay.stop();
        await side.stop();
        await side.readStore.close();
        await kind.discard(label);
        await own?.close();
      }
    }
    // 2b. sustained as deployed: the relay in a process of its own (CHRONICLE_ROLE=relay or worker
    // runs it apart from the projectors), here on the whole main log as it now stands.
    if (kinds.length > 0 && process.env.BENCH_RELAY_PROCESS !== '0') {
      const kind = kinds[0];
      const label = 'split';
      const total = (await store.readAll()).length;
      const topic = `chronicle.bench.${runId}.${label}`;
      topics.push(topic);
      const side = await startProjectorSide(kafka, await kind.open(dir, label), topic, `${runId}-${label}`, PARTITIONS);
      const relay = await startRelayProcess({ file: join(dir, 'events.sqlite'), brokers: engines.kafkaBrokers, topic, name: `bench-${runId}-${label}`, partitions: PARTITIONS });
      try {
        await waitUntil(() => side.applied.count >= total, APPLY_TIMEOUT_MS, `${kind.name}, relay process: all ${total} events applied`, () => relay.failure() ?? side.projector.failure);
        const ms = performance.now() - relay.startedAt;
        const { writes } = side.readStore.timings;
        const profile = profileOf(side, ms, total, decodeMicros);
        const e2e = rate(total, ms);
        const bound = rawBounds.get(kind.name);
        say(`${kind.name}, relay in its own process: ${fmt(total)} events end to end in ${seconds(ms)} = ${fmt(e2e)} events/s; projector: ${profile}; ${fmt(writes / total, 2)} document writes/event`);
        rows.push([`${kind.name}: end-to-end sustained with the relay in its own process (as deployed), ${fmt(total)} events`, `${fmt(e2e)} events/s (${seconds(ms)})`,
          `Kafka ${fmt(rawKafka.producedAndConsumed)} msg/s${bound ? `; read store ${fmt(bound.eventsPerSecond)} events/s` : ''}`,
          `${pct(e2e, rawKafka.producedAndConsumed)}${bound ? ` / ${pct(e2e, bound.eventsPerSecond)}` : ''}`, throughputTarget(e2e)]);
        notes.push(`${kind.name} sustained run with the relay in its own process, the projector's time: ${profile}.`);
      } finally {
        await relay.stop();
        await side.stop();
        await side.readStore.close();
        await kind.discard(label);
      }
    }
    await store.close();

    // 4. catch-up: a backlog published once, then a new projector group reads it all.
    const catchupStore = new SqliteEventStore(join(dir, 'catchup.sqlite'));
    appendStarted = performance.now();
    const backlog = await appendPlan(catchupStore, planWorkload(`${runId}cu`, CUSTOMERS, CATCHUP_EVENTS));
    say(`catch-up: pre-appended ${fmt(backlog)} events in ${seconds(performance.now() - appendStarted)}`);
    const catchupTopic = `chronicle.bench.${runId}.catchup`;
    topics.push(catchupTopic);
    const relayStarted = performance.now();
    const relay = await startRelay(catchupStore, kafka, catchupTopic, `bench-${runId}-catchup`, PARTITIONS);
    await waitUntil(() => relay.published >= backlog, APPLY_TIMEOUT_MS, `relay published ${backlog} events`, pipelineFailure(relay, undefined));
    const relayRate = rate(backlog, performance.now() - relayStarted);
    await relay.stop();
    await catchupStore.close();
    say(`catch-up: relay alone published ${fmt(backlog)} events at ${fmt(relayRate)} events/s`);
    rows.push([`relay alone, backlog of ${fmt(backlog)} events (idempotent producer, 1 request in flight)`, `${fmt(relayRate)} events/s`, `Kafka produce ${fmt(rawKafka.produced)} msg/s`, pct(relayRate, rawKafka.produced), '']);

    const catchupKinds: ReadStoreKind[] = CATCHUP_STORES === 'sqlite' ? kinds.slice(0, 1) : kinds;
    for (const [k, kind] of catchupKinds.entries()) {
      const label = `cu${k}`;
      const started = performance.now();
      const side = await startProjectorSide(kafka, await kind.open(dir, label), catchupTopic, `${runId}-${label}`, PARTITIONS);
      try {
        await waitUntil(() => side.applied.count >= backlog, APPLY_TIMEOUT_MS, `${kind.name}: catch-up of ${backlog} events`, pipelineFailure(undefined, side));
        const ms = performance.now() - started;
        const catchupRate = rate(backlog, ms);
        const profile = profileOf(side, ms, backlog, decodeMicros);
        const bound = rawBounds.get(kind.name);
        const writesPerEvent = side.readStore.timings.writes / backlog;
        const boundRate = bound ? Math.min(bound.raw.inserted, bound.raw.replaced) / writesPerEvent : NaN;
        say(`${kind.name}: projector catch-up of ${fmt(backlog)} events in ${seconds(ms)} = ${fmt(catchupRate)} events/s (group join included); ${profile}`);
        rows.push([`${kind.name}: projector catch-up of ${fmt(backlog)} events (new group, from the beginning)`, `${fmt(catchupRate)} events/s (${seconds(ms)})`,
          `read store ${fmt(boundRate)} events/s (${fmt(writesPerEvent, 2)} writes/event); Kafka ${fmt(rawKafka.producedAndConsumed)} msg/s`,
          `${pct(catchupRate, boundRate)} / ${pct(catchupRate, rawKafka.producedAndConsumed)}`, '']);
        notes.push(`${kind.name} catch-up, where the time went: ${profile}.`);
      } finally {
        await side.stop();
        await side.readStore.close();
        await kind.discard(label);
      }
    }

    say('');
    say(table(rows));
    say('');
    for (const note of notes) say(`- ${note}`);
  } finally {
    await deleteBenchTopics(kafka, topics).catch((error: unknown) => process.stderr.write(`could not delete bench topics: ${String(error)}\n`));
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'kafka-latest.md'), lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
