// The embedded benchmark's HTTP workloads, shared by bench/embedded.bench.ts and
// bench/projector-thread.bench.ts: customer registration, batch ingest, append→360 visible, 360 reads.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { http, type HttpResult } from './http-client';
import type { ReadClientData } from './read-client.worker';
import { summarise } from './stats';

export const BENCH_KEY = 'bench-admin-key-0123456789abcdef';
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
export const headers = { Authorization: `Bearer ${BENCH_KEY}`, 'Content-Type': 'application/json' };

export function post(url: string, body: unknown): Promise<HttpResult> {
  return http('POST', url, headers, body);
}

export async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await task(next++);
  }));
}

export const customerId = (i: number) => `bench-${i}`;

export async function registerCustomers(url: string, from: number, to: number, concurrency: number): Promise<number> {
  const started = Date.now();
  await pool(to - from, concurrency, async (i) => {
    const n = from + i;
    const r = await post(`${url}/v1/customers`, { customerId: customerId(n), profile: { firstName: `First${n}`, lastName: `Last${n}`, email: `c${n}@example.com` } });
    if (r.status !== 201) throw new Error(`register ${n}: ${r.status} ${JSON.stringify(r.json)}`);
  });
  return ((to - from) / (Date.now() - started)) * 1000;
}

export function callItem(i: number, customers: number) {
  return { type: 'call', customerId: customerId(i % customers), callId: `b-${randomUUID()}`, direction: 'inbound', durationSeconds: 60 + (i % 600), outcome: 'resolved', summary: 'Asked about delivery' };
}

/** Batch ingest by 2 clients of 1,000 calls per request for SECONDS, or until `until` resolves. */
export async function batchIngest(url: string, customers: number, until?: Promise<unknown>): Promise<number> {
  let events = 0;
  let done = false;
  void until?.then(() => (done = true));
  const deadline = until ? Infinity : Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(Array.from({ length: 2 }, async () => {
    while (!done && Date.now() < deadline) {
      const items = Array.from({ length: 1000 }, (_, i) => callItem(events + i, customers));
      const r = await post(`${url}/v1/interactions/batch`, { items });
      if (r.status !== 200) throw new Error(`batch: ${r.status}`);
      events += ((r.json.results ?? []) as { status: number }[]).filter((x) => x.status === 201).length;
    }
  }));
  return (events / (Date.now() - started)) * 1000;
}

let catchUpMarks = 0;

/**
 * Waits until the projector has everything appended so far: registers a marker customer through
 * `url` and reads it from `readUrl` with its position as minPosition until the answer is consistent.
 * A phase measured right after a load would otherwise measure the projector's backlog (every read
 * with minPosition waits for it, and the catch-up takes the cores).
 */
export async function projectorCaughtUp(url: string, readUrl = url): Promise<void> {
  const id = `bench-caught-up-${process.pid}-${catchUpMarks++}`;
  const marker = await http('POST', `${url}/v1/customers`, headers, { customerId: id, profile: { firstName: 'Caught', lastName: 'Up' } });
  if (marker.status !== 201) throw new Error(`marker registration: ${marker.status}`);
  for (let consistent = false; !consistent; ) {
    const view = await http('GET', `${readUrl}/v1/customers/${id}?minPosition=${marker.json.position}`, headers);
    consistent = view.headers['x-chronicle-consistent'] === 'true';
  }
}

/**
 * Open loop at `rate` commands/s: each sample is command sent → 360 view answered with minPosition
 * reached. `readUrl`: where the 360 view is read (another process of a split layout), else `url`.
 */
export async function appendToVisible(url: string, customers: number, rate: number, readUrl = url): Promise<{ p50: number; p99: number; max: number; n: number; achieved: number; inconsistent: number }> {
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
        const view = await http('GET', `${readUrl}/v1/customers/${c}?minPosition=${r.json.position}`, headers);
        if (view.headers['x-chronicle-consistent'] !== 'true') inconsistent++;
        latencies.push(performance.now() - t0);
      })());
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inflight);
  return { ...summarise(latencies), achieved: latencies.length / SECONDS, inconsistent };
}

/** What a read client asks for: a customer's 360 view, or the first page of their timeline (the console's two reads). */
export type ReadView = '360' | 'timeline';

/**
 * Open loop at `rate` reads/s of `view` over `customers` until `until` settles: each read's latency
 * in ms, timed from send to full response (keep-alive pool of 64) by a client in a worker thread of
 * its own (bench/read-client.worker.ts), so the benchmark's other clients never delay its clock.
 */
export async function readLatencies(url: string, customers: number, rate: number, until: Promise<unknown>, view: ReadView = '360'): Promise<number[]> {
  const data: ReadClientData = { url, customers, rate, view };
  // The worker runs the TypeScript source as this process does (ts-node, without type checks).
  const worker = new Worker(`require('ts-node').register({ transpileOnly: true }); require(${JSON.stringify(join(__dirname, 'read-client.worker.ts'))});`, { eval: true, workerData: data });
  const result = new Promise<number[]>((resolve, reject) => {
    worker.once('message', (message: { latencies?: number[]; error?: string }) => (message.latencies ? resolve(message.latencies) : reject(new Error(message.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`read client exited with ${code}`)));
  });
  void until.finally(() => worker.postMessage('stop')).catch(() => undefined);
  try {
    return await result;
  } finally {
    await worker.terminate();
  }
}

/** Reads of `view` at `rate`/s for 2 × SECONDS: p50, p99 (ms) and the rate served. */
export async function readLatency(url: string, customers: number, rate: number, view: ReadView = '360'): Promise<{ p50: number; p99: number; rate: number }> {
  const latencies = await readLatencies(url, customers, rate, new Promise((resolve) => setTimeout(resolve, SECONDS * 2000)), view);
  const s = summarise(latencies);
  return { p50: Number(s.p50.toFixed(2)), p99: Number(s.p99.toFixed(2)), rate: latencies.length / (SECONDS * 2) };
}

/**
 * Reads of `view` at `rate`/s from `readUrl` for 2 × SECONDS while two clients ingest batches through
 * `url`: the reads, and the events/s ingested meanwhile.
 */
export async function readsDuringIngest(url: string, customers: number, rate: number, view: ReadView, readUrl = url): Promise<{ reads: Awaited<ReturnType<typeof readLatency>>; ingested: number }> {
  let finished!: () => void;
  const readsDone = new Promise<void>((resolve) => (finished = resolve));
  const ingesting = batchIngest(url, customers, readsDone);
  const reads = await readLatency(readUrl, customers, rate, view).finally(finished);
  return { reads, ingested: await ingesting };
}

/** Entries on the first timeline page of a sample of the customers, on average (what a timeline read returned). */
export async function timelinePageEntries(url: string, customers: number): Promise<number> {
  const sample = Array.from({ length: Math.min(50, customers) }, (_, i) => customerId(Math.floor((i * customers) / Math.min(50, customers))));
  let entries = 0;
  for (const id of sample) {
    const r = await http('GET', `${url}/v1/customers/${id}/timeline`, headers);
    if (r.status !== 200) throw new Error(`timeline read: ${r.status}`);
    entries += (r.json.items as unknown[]).length;
  }
  return entries / sample.length;
}

