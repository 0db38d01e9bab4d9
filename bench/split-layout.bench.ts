// The 360 and timeline reads during batch ingest with the parts in separate processes on one data folder
// (deploy/README.md, "Several processes on one data folder"): `command-api` takes the batches,
// `projector` projects, `query-api` answers the reads. With BENCH_WRITE_NICE the write side
// (command-api and projector) runs at that lower CPU priority, every thread of it (SQLite writers
// and checkpointer too, as starting them under `nice -n` would), so the reads get a core first
// whenever both want one. The reads are timed by a client on a thread of its own (readLatencies).
// Run: npm run build && BENCH_WRITE_NICE=15 npx ts-node --transpile-only -r tsconfig-paths/register bench/split-layout.bench.ts
//      (alternate with BENCH_WRITE_NICE=0 for the comparison, BENCH_ACCESS_LOG_COMMITS=thread for the
//      access log's default; BENCH_SERVER_MAIN=<another build's
//      dist/apps/chronicle/src/main.js> runs the three processes from that build, for an A/B)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, appendToVisible, projectorCaughtUp, readLatency, readsDuringIngest, registerCustomers, timelinePageEntries, type ReadView } from './embedded-workload';
import { setProcessPriority, startServer, THIS_BUILD } from './server-process';
import { measureRawSqlite } from './raw-sqlite';
import { fmt } from './stats';

const CUSTOMERS = 1000;
const READS_PER_SECOND = 500;
const WRITE_NICE = Number(process.env.BENCH_WRITE_NICE ?? 0);
/** Commands per second for append → 360 visible (note to command-api, 360 read with minPosition from query-api). */
const VISIBLE_RATES = (process.env.BENCH_VISIBLE_RATES ?? '500,1000').split(',').map(Number);
const MAIN = process.env.BENCH_SERVER_MAIN || THIS_BUILD;
/** Where query-api commits the reads' access-log entries (ACCESS_LOG_COMMITS): inline, as README advises for it. */
const ACCESS_LOG_COMMITS = process.env.BENCH_ACCESS_LOG_COMMITS ?? 'inline';

async function main(): Promise<void> {
  const raw = measureRawSqlite('NORMAL');
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-split-'));
  const env = { DATA_DIR: dataDir, API_KEYS: `admin=${BENCH_KEY}`, LOG_LEVEL: 'warn', MAX_BATCH_SIZE: '1000', MAX_BODY_BYTES: String(8 << 20), PORT: '0' };
  const commands = await startServer({ ...env, CHRONICLE_ROLE: 'command-api' }, MAIN);
  const projector = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env, CHRONICLE_ROLE: 'projector' }, stdio: ['ignore', 'ignore', 'inherit'] });
  const queries = await startServer({ ...env, CHRONICLE_ROLE: 'query-api', ACCESS_LOG_COMMITS }, MAIN);
  try {
    setProcessPriority(commands.pid, WRITE_NICE);
    setProcessPriority(projector.pid as number, WRITE_NICE);
    await registerCustomers(commands.url, 0, CUSTOMERS, 16);
    // Until the projector has everything appended so far (the registrations).
    const caughtUp = () => projectorCaughtUp(commands.url, queries.url);
    await caughtUp();
    const idle = await readLatency(queries.url, CUSTOMERS, READS_PER_SECOND);
    // Before the ingest: after it, the projector works off its backlog for a while, and every read
    // with minPosition would wait for that.
    const visibility: string[] = [];
    for (const rate of VISIBLE_RATES) {
      const visible = await appendToVisible(commands.url, CUSTOMERS, rate, queries.url);
      visibility.push(`append → 360 visible at ${rate} commands/s (note to command-api, 360 read from query-api): p50 ${fmt(visible.p50, 1)} ms, p99 ${fmt(visible.p99, 1)} ms, max ${fmt(visible.max, 1)} ms (${fmt(visible.achieved)}/s achieved, ${visible.inconsistent} not consistent)`);
    }
    const duringIngest = (view: ReadView) => readsDuringIngest(commands.url, CUSTOMERS, READS_PER_SECOND, view, queries.url);
    const { reads: during, ingested } = await duringIngest('360');
    // The timeline's first page, once the ingest above gave every customer a full one: idle (after
    // the projector caught up), then during another ingest.
    await caughtUp();
    const timelineEntries = await timelinePageEntries(queries.url, CUSTOMERS);
    const timelineIdle = await readLatency(queries.url, CUSTOMERS, READS_PER_SECOND, 'timeline');
    const timeline = await duringIngest('timeline');
    console.log(`split layout (${MAIN === THIS_BUILD ? 'this build' : MAIN}), write side at nice ${WRITE_NICE}, query-api's access log commits ${ACCESS_LOG_COMMITS}; raw 1,000-row inserts ${fmt(raw.batched1000)} rows/s`);
    console.log(`360 read at ${READS_PER_SECOND}/s on query-api, idle: p50 ${fmt(idle.p50, 2)} ms, p99 ${fmt(idle.p99, 1)} ms`);
    for (const line of visibility) console.log(line);
    console.log(`360 read at ${READS_PER_SECOND}/s on query-api during batch ingest: p50 ${fmt(during.p50, 2)} ms, p99 ${fmt(during.p99, 1)} ms; ingested meanwhile ${fmt(ingested)} events/s (${fmt((ingested / raw.batched1000) * 100)}% of raw)`);
    console.log(`timeline read (first page, ${fmt(timelineEntries, 1)} entries on average) at ${READS_PER_SECOND}/s on query-api, idle: p50 ${fmt(timelineIdle.p50, 2)} ms, p99 ${fmt(timelineIdle.p99, 1)} ms`);
    console.log(`timeline read at ${READS_PER_SECOND}/s on query-api during batch ingest: p50 ${fmt(timeline.reads.p50, 2)} ms, p99 ${fmt(timeline.reads.p99, 1)} ms; ingested meanwhile ${fmt(timeline.ingested)} events/s (${fmt((timeline.ingested / raw.batched1000) * 100)}% of raw)`);
  } finally {
    await commands.stop();
    await queries.stop();
    await new Promise<void>((resolve) => {
      projector.once('exit', () => resolve());
      projector.kill('SIGTERM');
    });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
