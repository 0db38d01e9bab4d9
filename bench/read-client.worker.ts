// The open-loop read client (a customer's 360 view, or the first page of their timeline), in a worker thread of its own (readLatencies in
// embedded-workload.ts starts it): its timing runs on an event loop nothing else uses, so the batch
// clients' JSON work on the benchmark's main thread does not count as read latency.
import { parentPort, workerData } from 'node:worker_threads';
import { customerId, headers, type ReadView } from './embedded-workload';
import { http } from './http-client';

export interface ReadClientData {
  readonly url: string;
  readonly customers: number;
  readonly rate: number;
  readonly view: ReadView;
}

const { url, customers, rate, view } = workerData as ReadClientData;
const path = (id: string): string => (view === 'timeline' ? `/v1/customers/${id}/timeline` : `/v1/customers/${id}`);
let done = false;
parentPort?.once('message', () => (done = true));

async function run(): Promise<number[]> {
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  while (!done) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    for (; sent < due; sent++) {
      const i = sent;
      inflight.push((async () => {
        const t0 = performance.now();
        const r = await http('GET', `${url}${path(customerId((i * 7919) % customers))}`, headers);
        if (r.status !== 200) throw new Error(`${view} read: ${r.status}`);
        latencies.push(performance.now() - t0);
      })());
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inflight);
  return latencies;
}

run().then(
  (latencies) => parentPort?.postMessage({ latencies }),
  (error: Error) => parentPort?.postMessage({ error: error.message }),
);
