// Resident memory of the all-in-one server (embedded default: SQLite files, writer thread, projector
// thread) under each MEMORY_PROFILE, and what the profile costs: customers registered per second
// (64 clients), batch ingest (events/s) and 360 reads at 500/s (p50/p99), then the RSS after start
// and after registering BENCH_MEMORY_CUSTOMERS customers, right after and once left idle (V8 gives back
// its grown heaps only then; default 20,000 customers; `npm run bench` measures
// 100,000 at the end of its run). Beside it, the floor of the same run: a bare Node process that has
// loaded better-sqlite3 and opened a database.
// An arm of BENCH_MEMORY_PROFILES may also be `node:<options>`: the default profile with options on the
// node command line (space-separated V8 settings, e.g. `node:--heap-growing-percent=25`).
// Profiles (BENCH_MEMORY_PROFILES, default fast,lean) and builds (this one, and BENCH_SERVER_MAIN:
// another build's dist/apps/chronicle/src/main.js) are measured alternately, BENCH_MEMORY_ROUNDS
// times each (default 2), so a noisy machine hits every arm alike.
//
//   npm run bench:memory
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KEY, batchIngest, readLatency, registerCustomers } from './embedded-workload';
import { rssOf, startServer, THIS_BUILD } from './server-process';
import { fmt, table } from './stats';

const CUSTOMERS = Number(process.env.BENCH_MEMORY_CUSTOMERS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_MEMORY_ROUNDS ?? 2);
const PROFILES = (process.env.BENCH_MEMORY_PROFILES ?? 'fast,lean').split(',');
const WARM_CUSTOMERS = 5_000;
const MB = 1024 * 1024;

/** RSS of a bare Node process with better-sqlite3 loaded and a database open: what any embedded server pays. */
async function floor(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-memory-floor-'));
  const child = spawn(process.execPath, ['-e', `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const db = new D(${JSON.stringify(join(dir, 'x.sqlite'))}); db.pragma('journal_mode = WAL'); process.stdout.write('ready\\n'); setInterval(() => undefined, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`floor process exited with ${code}`)));
    });
    return rssOf(child.pid as number);
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Measured {
  readonly registerRate: number;
  readonly batchRate: number;
  readonly read: { readonly p50: number; readonly p99: number };
  readonly idle: number;
  readonly loaded: number;
  readonly settled: number;
}

async function measure(main: string, profile: string): Promise<Measured> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-memory-'));
  const nodeOptions = profile.startsWith('node:') ? profile.slice('node:'.length).split(' ').filter(Boolean) : [];
  const env = { DATA_DIR: dataDir, PORT: '0', API_KEYS: `admin=${BENCH_KEY}`, LOG_LEVEL: 'warn', MAX_BATCH_SIZE: '1000', MAX_BODY_BYTES: String(8 * 1024 * 1024), MEMORY_PROFILE: nodeOptions.length > 0 ? 'fast' : profile };
  const server = await startServer(env, main, nodeOptions);
  try {
    const idle = server.rssBytes();
    const registerRate = await registerCustomers(server.url, 0, WARM_CUSTOMERS, 64);
    const batchRate = await batchIngest(server.url, WARM_CUSTOMERS);
    const read = await readLatency(server.url, WARM_CUSTOMERS, 500);
    await registerCustomers(server.url, WARM_CUSTOMERS, Math.max(WARM_CUSTOMERS, CUSTOMERS), 64);
    const loaded = server.rssBytes();
    return { registerRate, batchRate, read, idle, loaded, settled: await server.settledRssBytes() };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const other = process.env.BENCH_SERVER_MAIN;
  const builds: [string, string][] = [['this build', THIS_BUILD], ...(other ? ([['BENCH_SERVER_MAIN', other]] as [string, string][]) : [])];
  const rows: string[][] = [];
  const base = await floor();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, main] of builds) {
      for (const profile of PROFILES) {
        const m = await measure(main, profile);
        rows.push([
          `${name}, ${profile.startsWith('node:') ? profile : `MEMORY_PROFILE=${profile}`}, round ${round}`, `${fmt(m.registerRate)}/s`, `${fmt(m.batchRate)} events/s`, `${fmt(m.read.p50, 1)} / ${fmt(m.read.p99, 1)} ms`,
          `${fmt(m.idle / MB)} MB`, `${fmt(m.loaded / MB)} MB`, `${fmt(m.settled / MB)} MB`, `${(m.loaded / base).toFixed(1)}× / ${(m.settled / base).toFixed(1)}×`,
        ]);
      }
    }
  }
  console.log(`# Memory, ${new Date().toISOString()}, ${fmt(Math.max(WARM_CUSTOMERS, CUSTOMERS))} customers; floor (bare Node + better-sqlite3, same run) ${fmt(base / MB)} MB\n`);
  console.log(table([['server', 'customers registered (64 clients)', 'batch ingest', '360 read at 500/s p50 / p99', 'RSS after start', `RSS after ${fmt(Math.max(WARM_CUSTOMERS, CUSTOMERS))} customers`, 'then once left idle', 'RSS / floor (after / idle)'], ...rows]));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
