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
import { fmt, summarise, table } from './stats';
import { http, type HttpResult } from './http-client';

const KEY = 'bench-admin-key-0123456789abcdef';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CUSTOMERS_FOR_MEMORY = Number(process.env.BENCH_MEMORY_CUSTOMERS ?? 100_000);
const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };

function post(url: string, body: unknown): Promise<HttpResult> {
  return http('POST', url, headers, body);
}

async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await task(next++);
  }));
}

const customerId = (i: number) => `bench-${i}`;

async function registerCustomers(url: string, from: number, to: number, concurrency: number): Promise<number> {
  const started = Date.now();
  await pool(to - from, concurrency, async (i) => {
    const n = from + i;
    const r = await post(`${url}/v1/customers`, { customerId: customerId(n), profile: { firstName: `First${n}`, lastName: `Last${n}`, email: `c${n}@example.com` } });
    if (r.status !== 201) throw new Error(`register ${n}: ${r.status} ${JSON.stringify(r.json)}`);
  });
  return ((to - from) / (Date.now() - started)) * 1000;
}

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

function callItem(i: number, customers: number) {
  return { type: 'call', customerId: customerId(i % customers), callId: `b-${randomUUID()}`, direction: 'inbound', durationSeconds: 60 + (i % 600), outcome: 'resolved', summary: 'Asked about delivery' };
}

async function batchIngest(url: string, customers: number): Promise<number> {
  let events = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(Array.from({ length: 2 }, async () => {
    while (Date.now() < deadline) {
      const items = Array.from({ length: 1000 }, (_, i) => callItem(events + i, customers));
      const r = await post(`${url}/v1/interactions/batch`, { items });
      if (r.status !== 200) throw new Error(`batch: ${r.status}`);
      events += ((r.json.results ?? []) as { status: number }[]).filter((x) => x.status === 201).length;
    }
  }));
  return (events / (Date.now() - started)) * 1000;
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

/** Open loop at `rate` commands/s: each sample is command sent → 360 view answered with minPosition reached. */
async function appendToVisible(url: string, customers: number, rate: number): Promise<{ p50: number; p99: number; max: number; n: number; achieved: number; inconsistent: number }> {
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  let inconsistent = 0;
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      const i = sent;
      inflight.push((async () => {
        const t0 = performance.now();
        const c = customerId(i % customers);
        const r = await post(`${url}/v1/interactions/notes`, { customerId: c, noteId: `lat-${process.pid}-${i}`, text: 'Latency probe', authorId: 'bench' });
        const view = await http('GET', `${url}/v1/customers/${c}?minPosition=${r.json.position}`, headers);
        if (view.headers['x-chronicle-consistent'] !== 'true') inconsistent++;
        latencies.push(performance.now() - t0);
      })());
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inflight);
  return { ...summarise(latencies), achieved: latencies.length / SECONDS, inconsistent };
}

/** Open loop at `rate` 360 reads/s, each timed from send to full response (keep-alive pool of 64). */
async function readLatency(url: string, customers: number, rate: number): Promise<{ p50: number; p99: number; rate: number }> {
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < SECONDS * 2000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      const i = sent;
      inflight.push((async () => {
        const t0 = performance.now();
        const r = await http('GET', `${url}/v1/customers/${customerId((i * 7919) % customers)}`, headers);
        if (r.status !== 200) throw new Error(`360 read: ${r.status}`);
        latencies.push(performance.now() - t0);
      })());
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inflight);
  const s = summarise(latencies);
  return { p50: Number(s.p50.toFixed(2)), p99: Number(s.p99.toFixed(2)), rate: latencies.length / (SECONDS * 2) };
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(line + '\n');
  };
  say(`# Embedded benchmark, ${new Date().toISOString()}`);
  say(`machine: ${require('node:os').cpus().length} cores, Node ${process.version}; ${SECONDS}s per measurement\n`);

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
    for (const rate of rates) visibleAt.push([rate, await appendToVisible(server.url, customers, rate)]);
    const read = await readLatency(server.url, customers, 500);
    const memoryRegisterRate = await registerCustomers(server.url, customers, CUSTOMERS_FOR_MEMORY, 64);
    const rss = server.rssBytes();

    const ratio = (value: number, limit: number) => `${fmt((value / limit) * 100)}%`;
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
      ['360 view read at 500 requests/s', `p50 ${read.p50} ms, p99 ${read.p99} ms (${fmt(read.rate)}/s served)`, '', '', 'p99 < 5 ms'],
      [`resident memory with ${fmt(CUSTOMERS_FOR_MEMORY)} customers`, `${fmt(rss / 1024 / 1024)} MB`, '', '', '< 300 MB'],
      ['customer registration over HTTP (32–64 clients)', `${fmt(registerRate)}/s, then ${fmt(memoryRegisterRate)}/s`, `${fmt(raw.singleRowCommits)} single-row commits/s`, ratio(memoryRegisterRate, raw.singleRowCommits), ''],
    ]));
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'embedded-latest.md'), lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
