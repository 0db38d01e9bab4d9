// The first batch after a start: 1,000 calls naming 1,000 customers that the batch handler has not
// seen yet (registered through the API before, so each must be looked up once), while the 360 view
// is read at 200 requests/s. Prints the batch's latency and the reads' latency while it ran: how
// long the HTTP thread held reads behind the batch's one-time work (issue 13 item 5).
// Run: npm run build && npx ts-node --transpile-only -r tsconfig-paths/register bench/first-batch.bench.ts
//      (BENCH_SERVER_MAIN=<another build's dist/apps/chronicle/src/main.js> for an A/B; alternate them)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_KEY, callItem, post, readLatencies, registerCustomers } from './embedded-workload';
import { startServer } from './server-process';
import { fmt, summarise } from './stats';

const CUSTOMERS = 1000;
const READS_PER_SECOND = 200;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-first-batch-'));
  const server = await startServer(
    { DATA_DIR: dataDir, PORT: '0', API_KEYS: `admin=${BENCH_KEY}`, LOG_LEVEL: 'warn', MAX_BATCH_SIZE: '1000', MAX_BODY_BYTES: String(8 << 20) },
    process.env.BENCH_SERVER_MAIN || undefined,
  );
  try {
    await registerCustomers(server.url, 0, CUSTOMERS, 16);
    // Let the projector and the reactors finish with the registrations.
    await sleep(4000);
    let batchMs = 0;
    const batch = (async () => {
      await sleep(300);
      const t0 = performance.now();
      const response = await post(`${server.url}/v1/interactions/batch`, { items: Array.from({ length: CUSTOMERS }, (_, i) => callItem(i, CUSTOMERS)) });
      batchMs = performance.now() - t0;
      if (response.status !== 200) throw new Error(`batch: ${response.status}`);
      await sleep(300);
    })();
    const reads = summarise(await readLatencies(server.url, CUSTOMERS, READS_PER_SECOND, batch));
    await batch;
    console.log(`first batch of ${CUSTOMERS} calls naming ${CUSTOMERS} customers not seen yet: ${fmt(batchMs)} ms; 360 reads at ${READS_PER_SECOND}/s meanwhile (n=${reads.n}): p50 ${fmt(reads.p50, 1)} ms, p99 ${fmt(reads.p99, 1)} ms, max ${fmt(reads.max, 1)} ms`);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
