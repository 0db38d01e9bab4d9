// Benchmark of a catch-up on the embedded default: does the API keep answering while the projector
// works off a backlog, and how fast is the catch-up beside the raw SQLite scan of the same log?
//  1. 100k realistic events (kafka-workload.ts: registrations, purchases, refunds, calls, emails,
//     chats, surveys, notes, ticket lifecycles over 10k customers) are appended straight into a
//     fresh events.sqlite through SqliteEventStore, in group commits of 2,000 appends;
//  2. the raw floor: one ordered scan of that file with both JSON columns parsed (raw-sqlite.ts);
//  3. (sweep) in this process, the embedded projector alone over the first 30k events at several
//     batch sizes: events/s and the longest stretch the event loop was held (what a request waits);
//  4. the built server is started as a child process on that folder, so its projector (and the
//     loyalty and segment reactors) catch up from zero, while open-loop probes time /health/live, the
//     360 read and the timeline's first page; the projector's progress comes from /health/ready. Then the same probes once the
//     server has settled, for the idle figures.
// Run: npm run bench:catchup   (builds first; results also go to bench/results/catchup-latest.md)
// Knobs: BENCH_CATCHUP_EVENTS (100000), BENCH_CATCHUP_CUSTOMERS (10000), BENCH_SWEEP_EVENTS (30000,
// 0 skips the sweep), BENCH_SWEEP_BATCHES (100,250,500,1000,2000), BENCH_HEALTH_RATE (10/s),
// BENCH_READ_RATE (20/s), BENCH_IDLE_SECONDS (5), BENCH_SERVER_MAIN (another build's main.js).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { SqliteReadStore } from '@app/read-store';
import { EmbeddedProjector, ProjectorRunner } from '@app/transport';
import { chronicleProjections, EMBEDDED_PROJECTOR_BATCH_SIZE, PROJECTOR_NAME } from '@app/composition';
import { appendPlan, benchCustomerId, planWorkload } from './kafka-workload';
import { measureRawScan } from './raw-sqlite';
import { startServer } from './server-process';
import { http } from './http-client';
import { fmt, loadNow, machineLine, summarise, table } from './stats';

const EVENTS = Number(process.env.BENCH_CATCHUP_EVENTS ?? 100_000);
const CUSTOMERS = Number(process.env.BENCH_CATCHUP_CUSTOMERS ?? 10_000);
const SWEEP_EVENTS = Number(process.env.BENCH_SWEEP_EVENTS ?? 30_000);
const SWEEP_BATCHES = (process.env.BENCH_SWEEP_BATCHES ?? '100,250,500,1000,2000').split(',').map(Number);
const HEALTH_RATE = Number(process.env.BENCH_HEALTH_RATE ?? 10);
const READ_RATE = Number(process.env.BENCH_READ_RATE ?? 20);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 5);
/** Another build's dist/apps/chronicle/src/main.js, to measure it on the same backlog (e.g. the code before a change). */
const SERVER_MAIN = process.env.BENCH_SERVER_MAIN || undefined;
const KEY = 'bench-admin-key-0123456789abcdef';
const RUN = 'catchup';

const lines: string[] = [];
const say = (line = '') => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};
const ms = (n: number) => fmt(n, n < 10 ? 1 : 0);

interface SweepResult {
  readonly batch: number;
  readonly eventsPerSecond: number;
  readonly handler: ReturnType<typeof summarise>;
  readonly loopDelayP99: number;
  readonly loopDelayMax: number;
}

/** The embedded projector alone, in this process, over the first `events` events of the log. */
async function sweep(eventsFile: string, dir: string, batch: number, events: number): Promise<SweepResult> {
  const store = new SqliteEventStore(eventsFile);
  const reads = new SqliteReadStore(join(dir, `sweep-${batch}.sqlite`));
  const runner = new ProjectorRunner(reads, chronicleProjections('EUR'), { name: PROJECTOR_NAME });
  const handlerMs: number[] = [];
  const apply = runner.applyBatch.bind(runner);
  runner.applyBatch = async (batchEvents: readonly RecordedEvent[]) => {
    const started = performance.now();
    await apply(batchEvents);
    handlerMs.push(performance.now() - started);
  };
  const projector = new EmbeddedProjector(store, runner, { maxBatchSize: batch });
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const started = performance.now();
  delay.enable();
  await projector.start();
  await runner.waitForPosition(events, 600_000);
  const seconds = (performance.now() - started) / 1000;
  delay.disable();
  await projector.stop();
  await store.close();
  await reads.close();
  return { batch, eventsPerSecond: runner.position / seconds, handler: summarise(handlerMs), loopDelayP99: delay.percentile(99) / 1e6, loopDelayMax: delay.max / 1e6 };
}

interface Sample {
  readonly sentAt: number;
  readonly ms: number;
  readonly status: number;
}

/** Sends `path` at a fixed rate (open loop: a slow answer does not delay the next request) until stopped. */
function probe(url: string, path: () => string, rate: number, headers: Record<string, string> = {}): { samples: Sample[]; stop: () => Promise<void> } {
  const samples: Sample[] = [];
  const inflight = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  let running = true;
  const tick = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; running && sent < due; sent++) {
      const sentAt = performance.now();
      const request = http('GET', url + path(), headers)
        .then((response) => void samples.push({ sentAt, ms: performance.now() - sentAt, status: response.status }))
        .catch(() => void samples.push({ sentAt, ms: performance.now() - sentAt, status: 0 }))
        .finally(() => inflight.delete(request));
      inflight.add(request);
    }
  }, 2);
  return {
    samples,
    stop: async () => {
      running = false;
      clearInterval(tick);
      await Promise.all(inflight);
    },
  };
}

async function readiness(url: string): Promise<{ head: number; checkpoint: number }> {
  const response = await http('GET', `${url}/health/ready`, {});
  const details = response.json?.details ?? response.json?.info ?? {};
  return { head: Number(details.eventStore?.headPosition ?? 0), checkpoint: Number(details.readStore?.projectorCheckpoint ?? 0) };
}

const pause = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, delayMs));

/**
 * Latency of the reads that found their document. A 404 (the customer not projected yet, early in a
 * catch-up from zero) is a real answer but skips the read and its serialisation: timed apart, never
 * mixed in as a fast sample.
 */
function latencyCell(samples: readonly Sample[]): string {
  const found = samples.filter((sample) => sample.status >= 200 && sample.status < 300);
  const notYet = samples.filter((sample) => sample.status === 404).length;
  const failed = samples.filter((sample) => sample.status === 0 || sample.status >= 500).length;
  const other = samples.length - found.length - notYet - failed;
  const counts = [
    notYet > 0 ? `${fmt(notYet)} not projected yet (404), left out` : '',
    failed > 0 ? `${fmt(failed)} failed` : '',
    other > 0 ? `${fmt(other)} other 4xx, left out` : '',
  ].filter((part) => part !== '');
  if (found.length === 0) return `no document read (${fmt(samples.length)} requests${counts.length > 0 ? `: ${counts.join(', ')}` : ''})`;
  const s = summarise(found.map((sample) => sample.ms));
  return `p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms, max ${ms(s.max)} ms (${fmt(s.n)} reads${counts.length > 0 ? `; ${counts.join(', ')}` : ''})`;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  say(`# Catch-up benchmark, ${new Date().toISOString()}`);
  say(`machine: ${machineLine()} at the start; backlog ${fmt(EVENTS)} events over ${fmt(CUSTOMERS)} customers`);
  say(`server: ${SERVER_MAIN ?? `this tree's build (embedded projector batch ${fmt(EMBEDDED_PROJECTOR_BATCH_SIZE)})`}`);
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-catchup-'));
  const eventsFile = join(dir, 'events.sqlite');
  try {
    // 1. The backlog.
    const store = new SqliteEventStore(eventsFile);
    const appendStarted = performance.now();
    await appendPlan(store, planWorkload(RUN, CUSTOMERS, EVENTS));
    const appendSeconds = (performance.now() - appendStarted) / 1000;
    const backlog = await store.headPosition();
    await store.close();
    say(`backlog: ${fmt(backlog)} events appended in ${fmt(appendSeconds, 1)} s (${fmt(backlog / appendSeconds)} events/s, SqliteEventStore group commits)`);

    // 2. The raw floor on the same file.
    const raw = measureRawScan(eventsFile);
    say(`raw SQLite scan + JSON.parse of the same file: ${fmt(raw.rowsPerSecond)} rows/s (${fmt(raw.rows)} rows)`);

    // 3. Batch sizes.
    const sweeps: SweepResult[] = [];
    if (SWEEP_EVENTS > 0) {
      const sweepDir = join(dir, 'sweep');
      mkdirSync(sweepDir);
      for (const batch of SWEEP_BATCHES) {
        const result = await sweep(eventsFile, sweepDir, batch, Math.min(SWEEP_EVENTS, backlog));
        sweeps.push(result);
        say(`sweep: batch ${batch}: ${fmt(result.eventsPerSecond)} events/s, batch handler p50 ${ms(result.handler.p50)} ms / p99 ${ms(result.handler.p99)} ms / max ${ms(result.handler.max)} ms, event loop held up to ${ms(result.loopDelayMax)} ms (p99 delay ${ms(result.loopDelayP99)} ms)`);
      }
      rmSync(sweepDir, { recursive: true, force: true });
    }

    // 4. The server catching up, probed meanwhile.
    const spawnedAt = performance.now();
    const server = await startServer(
      { DATA_DIR: dir, PORT: '0', API_KEYS: `admin=${KEY}`, LOG_LEVEL: 'warn', SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0' },
      ...(SERVER_MAIN ? [SERVER_MAIN] : []),
    );
    const listeningAt = performance.now();
    const headers = { Authorization: `Bearer ${KEY}` };
    let reads = 0;
    const customer = () => `/v1/customers/${benchCustomerId(RUN, (reads++ * 7919) % CUSTOMERS)}`;
    // The console's other read: the first page of a customer's timeline.
    let timelineReads = 0;
    const timeline = () => `/v1/customers/${benchCustomerId(RUN, (timelineReads++ * 6151) % CUSTOMERS)}/timeline`;
    try {
      const firstLive = await http('GET', `${server.url}/health/live`, {});
      const firstLiveAt = performance.now();
      if (firstLive.status !== 200) throw new Error(`/health/live answered ${firstLive.status}`);
      const health = probe(server.url, () => '/health/live', HEALTH_RATE);
      const view = probe(server.url, customer, READ_RATE, headers);
      const timelineView = probe(server.url, timeline, READ_RATE, headers);
      const progress: { at: number; checkpoint: number; head: number }[] = [];
      for (;;) {
        const state = await readiness(server.url);
        progress.push({ at: performance.now(), ...state });
        if (state.checkpoint >= backlog) break;
        await pause(250);
      }
      const caughtUpAt = progress[progress.length - 1].at;
      await Promise.all([health.stop(), view.stop(), timelineView.stop()]);
      const during = (samples: readonly Sample[]) => samples.filter((sample) => sample.sentAt < caughtUpAt);
      const firstSample = progress[0];
      const rate = (backlog - firstSample.checkpoint) / ((caughtUpAt - firstSample.at) / 1000);

      // Settled: the reactors' appends are projected too and the head no longer moves.
      for (let last = await readiness(server.url); ; ) {
        await pause(500);
        const now = await readiness(server.url);
        if (now.head === last.head && now.checkpoint >= now.head) break;
        last = now;
      }
      const idleHealth = probe(server.url, () => '/health/live', HEALTH_RATE);
      const idleView = probe(server.url, customer, READ_RATE, headers);
      const idleTimeline = probe(server.url, timeline, READ_RATE, headers);
      await pause(IDLE_SECONDS * 1000);
      await Promise.all([idleHealth.stop(), idleView.stop(), idleTimeline.stop()]);
      const settled = await readiness(server.url);

      say('');
      say(table([
        ['measurement', 'result', 'raw limit (same run)', 'ratio'],
        ['catch-up rate (projector checkpoint, from /health/ready)', `${fmt(rate)} events/s (${fmt(backlog)} events in ${fmt((caughtUpAt - firstSample.at) / 1000, 1)} s; ${fmt((caughtUpAt - spawnedAt) / 1000, 1)} s from spawn)`, `${fmt(raw.rowsPerSecond)} rows/s scan + parse`, `${fmt((rate / raw.rowsPerSecond) * 100)}%`],
        ['server start → listening / first /health/live answer', `${fmt((listeningAt - spawnedAt) / 1000, 1)} s / ${fmt((firstLiveAt - spawnedAt) / 1000, 1)} s (answered while checkpoint was ${fmt(firstSample.checkpoint)} of ${fmt(backlog)})`, '', ''],
        [`/health/live at ${HEALTH_RATE}/s during catch-up`, latencyCell(during(health.samples)), '', ''],
        [`360 read at ${READ_RATE}/s during catch-up`, latencyCell(during(view.samples)), '', ''],
        [`timeline read (first page) at ${READ_RATE}/s during catch-up`, latencyCell(during(timelineView.samples)), '', ''],
        [`/health/live at ${HEALTH_RATE}/s idle (after catch-up, ${IDLE_SECONDS} s)`, latencyCell(idleHealth.samples), '', ''],
        [`360 read at ${READ_RATE}/s idle`, latencyCell(idleView.samples), '', ''],
        [`timeline read (first page) at ${READ_RATE}/s idle`, latencyCell(idleTimeline.samples), '', ''],
      ]));
      say('');
      say(`load average at the end: ${loadNow()}`);
      say(`The reactors appended ${fmt(settled.head - backlog)} events while catching up (loyalty points for purchases); the projector projected those too before "idle".`);
      if (sweeps.length > 0) {
        say('');
        say(`In-process sweep, embedded projector alone (no HTTP, no reactors), first ${fmt(Math.min(SWEEP_EVENTS, backlog))} events:`);
        say('');
        say(table([
          ['batch size', 'events/s', 'one batch (read store load + project + write) p50 / p99 / max', 'longest event-loop stall'],
          ...sweeps.map((s) => [fmt(s.batch), fmt(s.eventsPerSecond), `${ms(s.handler.p50)} / ${ms(s.handler.p99)} / ${ms(s.handler.max)} ms`, `${ms(s.loopDelayMax)} ms`]),
        ]));
      }
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'catchup-latest.md'), lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
