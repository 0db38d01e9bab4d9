// Benchmark of the embedded default (SQLite in-process): ingest throughput, append→360-visible
// latency, 360 read latency and memory, each beside the raw SQLite limit measured in this run.
// Run: npm run bench   (builds, then runs this file; results also go to bench/results/)
import autocannon from 'autocannon';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '@app/event-store';
import { measureRawSqlite } from './raw-sqlite';
import { startServer } from './server-process';
import { fmt, loadNow, machineLine, table } from './stats';
import { appendToVisible, batchIngest, BENCH_KEY, customerId, headers, projectorCaughtUp, readLatency, readsDuringIngest, registerCustomers, SECONDS, timelinePageEntries, type ReadView } from './embedded-workload';

const KEY = BENCH_KEY;
const CUSTOMERS_FOR_MEMORY = Number(process.env.BENCH_MEMORY_CUSTOMERS ?? 100_000);

/** 64 concurrent appenders, each waiting for its own durable ack, straight on the store. */
async function storeGroupCommit(synchronous: 'NORMAL' | 'FULL'): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-gc-'));
  const store = new SqliteEventStore(join(dir, 'events.sqlite'), { synchronous });
  let appended = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(Array.from({ length: 64 }, async (_, client) => {
    for (let i = 0; Date.now() < deadline; i++) {
      await store.append(`call-gc-${client}-${i}`, [{
        eventId: randomUUID(), type: 'CallLogged',
        data: { customerId: `c-${client}`, callId: `gc-${client}-${i}`, direction: 'inbound', durationSeconds: 312, outcome: 'resolved', summary: 'x'.repeat(180) },
        metadata: { customerId: `c-${client}`, schemaVersion: 1, occurredAt: new Date().toISOString(), actor: { type: 'service', id: 'bench' }, source: 'bench', correlationId: randomUUID(), causationId: null },
      }], { expectedRevision: 'no_stream' });
      appended++;
    }
  }));
  const rate = (appended / (Date.now() - started)) * 1000;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

async function singleEventClients(url: string, customers: number): Promise<{ rate: number; p99: number; errors: number }> {
  let n = 0;
  const result = await autocannon({
    url: `${url}/v1/interactions/notes`,
    method: 'POST',
    connections: 64,
    duration: SECONDS,
    headers,
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ customerId: customerId(n % customers), noteId: `bn-${process.pid}-${n++}`, text: 'Bench note', authorId: 'bench' }) }) }],
  });
  return { rate: result['2xx'] / result.duration, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(line + '\n');
  };
  say(`# Embedded benchmark, ${new Date().toISOString()}`);
  say(`machine: ${machineLine()} at the start; ${SECONDS}s per measurement\n`);

  const raw = measureRawSqlite('NORMAL');
  const rawFull = measureRawSqlite('FULL');
  say(`raw SQLite (WAL, ~400-byte rows): NORMAL ${fmt(raw.batched1000)} rows/s in 1,000-row transactions, ${fmt(raw.singleRowCommits)} single-row commits/s; FULL ${fmt(rawFull.batched1000)} rows/s batched, ${fmt(rawFull.singleRowCommits)} commits/s`);

  const gcNormal = await storeGroupCommit('NORMAL');
  const gcFull = await storeGroupCommit('FULL');

  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-bench-'));
  // BENCH_SERVER_MAIN: another build's main.js (e.g. the one before a change), measured in the same way.
  const server = await startServer({ DATA_DIR: dataDir, PORT: '0', API_KEYS: `admin=${KEY}`, LOG_LEVEL: 'warn', MAX_BATCH_SIZE: '1000', MAX_BODY_BYTES: String(8 * 1024 * 1024) }, process.env.BENCH_SERVER_MAIN);
  try {
    const customers = 1000;
    const registerRate = await registerCustomers(server.url, 0, customers, 32);
    const batch = await batchIngest(server.url, customers);
    const single = await singleEventClients(server.url, customers);
    const rates = (process.env.BENCH_LATENCY_RATES ?? '250,500,1000').split(',').map(Number);
    const visibleAt: [number, Awaited<ReturnType<typeof appendToVisible>>][] = [];
    // Each phase starts once the projector has what the one before appended (its backlog is not this phase's latency).
    for (const rate of rates) {
      await projectorCaughtUp(server.url);
      visibleAt.push([rate, await appendToVisible(server.url, customers, rate)]);
    }
    // The console's two reads, the 360 view and the first page of the timeline, idle and then while
    // two clients ingest batches (the goal is "during ingest").
    const readsOf = async (view: ReadView) => {
      await projectorCaughtUp(server.url);
      const idle = await readLatency(server.url, customers, 500, view);
      return { idle, ...(await readsDuringIngest(server.url, customers, 500, view)) };
    };
    const customerView = await readsOf('360');
    const timeline = await readsOf('timeline');
    const timelineEntries = await timelinePageEntries(server.url, customers);
    const memoryRegisterRate = await registerCustomers(server.url, customers, CUSTOMERS_FOR_MEMORY, 64);
    const rss = server.rssBytes();
    const settled = await server.settledRssBytes();

    const ratio = (value: number, limit: number) => `${fmt((value / limit) * 100)}%`;
    /** A read's two rows: idle, and during batch ingest beside the ingest rate reached meanwhile. */
    const readRows = (label: string, { idle, reads, ingested }: Awaited<ReturnType<typeof readsOf>>, target: string): string[][] => [
      [`${label} at 500 requests/s, idle`, `p50 ${idle.p50} ms, p99 ${idle.p99} ms (${fmt(idle.rate)}/s served)`, '', '', target],
      [
        `${label} at 500 requests/s during batch ingest (2 clients, 1,000 calls/request)`,
        `p50 ${reads.p50} ms, p99 ${reads.p99} ms (${fmt(reads.rate)}/s served; ${fmt(ingested)} events/s ingested meanwhile)`,
        `${fmt(raw.batched1000)} rows/s (1,000-row txns)`, ratio(ingested, raw.batched1000), target,
      ],
    ];
    say('');
    say(table([
      ['measurement', 'result', 'raw limit (same run)', 'ratio', 'target'],
      ['batch ingest over HTTP (1,000 calls/request, 2 clients)', `${fmt(batch)} events/s`, `${fmt(raw.batched1000)} rows/s (1,000-row txns)`, ratio(batch, raw.batched1000), '≥ 50%'],
      ['single-event appends, 64 concurrent clients, store API (group commit, NORMAL)', `${fmt(gcNormal)} events/s`, `${fmt(raw.batched1000)} rows/s batched NORMAL`, ratio(gcNormal, raw.batched1000), '≥ 50%'],
      ['single-event appends, 64 concurrent clients, store API (group commit, FULL)', `${fmt(gcFull)} events/s`, `${fmt(rawFull.batched1000)} rows/s batched FULL`, ratio(gcFull, rawFull.batched1000), '≥ 50%'],
      ['single-event appends, 64 concurrent HTTP clients (NORMAL)', `${fmt(single.rate)} events/s (p99 ${single.p99} ms, ${single.errors} errors)`, `${fmt(raw.batched1000)} rows/s batched NORMAL`, ratio(single.rate, raw.batched1000), '≥ 50%'],
      ...visibleAt.map(([rate, visible]) => [
        `append → 360 visible at ${fmt(rate)} commands/s (command sent → 360 read with minPosition answered)`,
        `p50 ${fmt(visible.p50, 1)} ms, p99 ${fmt(visible.p99, 1)} ms (max ${fmt(visible.max, 1)}; ${fmt(visible.achieved)}/s achieved; ${visible.inconsistent} not consistent)`,
        `${fmt(single.rate)} single-event commands/s (64 clients, above)`, ratio(rate, single.rate), rate === 1000 ? 'p99 < 100 ms' : '',
      ]),
      ...readRows('360 view read', customerView, 'p99 < 5 ms'),
      ...readRows(`timeline read (first page, ${fmt(timelineEntries, 1)} entries on average)`, timeline, ''),
      [`resident memory with ${fmt(CUSTOMERS_FOR_MEMORY)} customers`, `${fmt(rss / 1024 / 1024)} MB right after registering them, ${fmt(settled / 1024 / 1024)} MB once left idle`, '', '', '< 300 MB'],
      ['customer registration over HTTP (32–64 clients)', `${fmt(registerRate)}/s, then ${fmt(memoryRegisterRate)}/s`, `${fmt(raw.singleRowCommits)} single-row commits/s`, ratio(memoryRegisterRate, raw.singleRowCommits), ''],
    ]));
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  say(`\nload average at the end: ${loadNow()}`);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'embedded-latest.md'), lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
