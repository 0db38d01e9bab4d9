// A/B of issue 13 items 2 and 5 (bench/README.md, "Projector in a worker thread"): the all-in-one
// process with its embedded projector in a worker thread, against the same build projecting inline
// (EMBEDDED_PROJECTOR=inline) and against another build (BENCH_SERVER_MAIN, e.g. main's dist before
// the change), interleaved round by round, each on a fresh data folder: 360 read latency idle and
// during batch ingest, append → 360 visible at 1,000 commands/s; beside the raw SQLite limit of the
// same run. Then one profiled run of this build (node --cpu-prof): where the HTTP thread's time goes
// while it serves reads during ingest.
// Run: npm run build && BENCH_SERVER_MAIN=/path/to/main/dist/apps/chronicle/src/main.js \
//      npx ts-node --transpile-only -r tsconfig-paths/register bench/projector-thread.bench.ts
// BENCH_THREAD_SETTING=EMBEDDED_BATCHES compares the batch thread the same way instead (bench/README.md,
// "Batches in a worker thread"): this build with EMBEDDED_BATCHES=thread against inline; and
// BENCH_THREAD_SETTING=ACCESS_LOG_COMMITS the access log's commits on their thread against inline.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { measureRawSqlite } from './raw-sqlite';
import { startServer, THIS_BUILD } from './server-process';
import { fmt, machineLine, table } from './stats';
import { appendToVisible, batchIngest, BENCH_KEY, readLatency, registerCustomers } from './embedded-workload';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CUSTOMERS = 1000;
/** The rates; lower them where the machine is shared and cannot serve them at all (the queue then grows for the whole measurement). */
const READ_RATE = Number(process.env.BENCH_READ_RATE ?? 500);
const VISIBLE_RATE = Number(process.env.BENCH_VISIBLE_RATE ?? 1000);
/** The setting whose two values (`thread`, `inline`) the arms of this build take. */
const SETTING = process.env.BENCH_THREAD_SETTING ?? 'EMBEDDED_PROJECTOR';
const SETTINGS = ['EMBEDDED_PROJECTOR', 'EMBEDDED_BATCHES', 'ACCESS_LOG_COMMITS'];
if (!SETTINGS.includes(SETTING)) throw new Error(`BENCH_THREAD_SETTING: one of ${SETTINGS.join(', ')}, not ${SETTING}`);

interface Arm {
  readonly name: string;
  readonly main: string;
  readonly env: Record<string, string>;
}

interface RoundResult {
  readonly idle: { p50: number; p99: number };
  readonly ingest: { p50: number; p99: number };
  readonly ingested: number;
  readonly visible: { p50: number; p99: number; achieved: number; inconsistent: number };
  /** The server's resident memory after the ingest, in MB. */
  readonly rssMb: number;
}

const serverEnv = (dataDir: string): Record<string, string> => ({
  DATA_DIR: dataDir, PORT: '0', API_KEYS: `admin=${BENCH_KEY}`, LOG_LEVEL: 'warn', MAX_BATCH_SIZE: '1000', MAX_BODY_BYTES: String(8 * 1024 * 1024),
});

/** Reads at READ_RATE while two clients ingest batches; the ingest rate reached meanwhile. */
async function readsDuringIngest(url: string): Promise<{ read: { p50: number; p99: number }; ingested: number }> {
  let finished!: () => void;
  const readsDone = new Promise<void>((resolve) => (finished = resolve));
  const ingesting = batchIngest(url, CUSTOMERS, readsDone);
  const read = await readLatency(url, CUSTOMERS, READ_RATE).finally(finished);
  return { read, ingested: await ingesting };
}

async function round(arm: Arm, nodeArgs: readonly string[] = []): Promise<RoundResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-bench-thread-'));
  const server = await startServer({ ...serverEnv(dataDir), ...arm.env }, arm.main, nodeArgs);
  try {
    await registerCustomers(server.url, 0, CUSTOMERS, 32);
    const idle = await readLatency(server.url, CUSTOMERS, READ_RATE);
    const during = await readsDuringIngest(server.url);
    const rssMb = server.rssBytes() / 2 ** 20;
    const visible = await appendToVisible(server.url, CUSTOMERS, VISIBLE_RATE);
    return { idle, ingest: during.read, ingested: during.ingested, visible, rssMb };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Self time per function of the main thread's profile (thread id 0), the largest first. */
function topSelfTime(profileDir: string, count: number): { name: string; ms: number; share: number }[] {
  const file = readdirSync(profileDir).find((name) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name));
  if (!file) throw new Error(`no main-thread profile in ${profileDir}: ${readdirSync(profileDir).join(', ')}`);
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const names = new Map(profile.nodes.map((node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    return [node.id, url ? `${functionName || '(anonymous)'} ${basename(url)}:${lineNumber + 1}` : functionName];
  }));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const name = names.get(id) ?? '?';
    self.set(name, (self.get(name) ?? 0) + micros);
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, micros]) => ({ name, ms: micros / 1000, share: micros / total }));
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(line + '\n');
  };
  const arms: Arm[] = [
    { name: `this build, ${SETTING}=thread`, main: THIS_BUILD, env: { [SETTING]: 'thread' } },
    { name: `this build, ${SETTING}=inline`, main: THIS_BUILD, env: { [SETTING]: 'inline' } },
    ...(process.env.BENCH_SERVER_MAIN ? [{ name: `other build (${process.env.BENCH_SERVER_MAIN_NAME ?? 'BENCH_SERVER_MAIN'})`, main: process.env.BENCH_SERVER_MAIN, env: {} }] : []),
  ];
  say(`# ${SETTING} A/B, ${new Date().toISOString()}`);
  say(`machine: ${machineLine()}; ${ROUNDS} rounds, arms interleaved; reads at ${READ_RATE}/s, append → visible at ${VISIBLE_RATE}/s\n`);
  const raw = measureRawSqlite('NORMAL');
  say(`raw SQLite (WAL, ~400-byte rows, NORMAL): ${fmt(raw.batched1000)} rows/s in 1,000-row transactions, ${fmt(raw.singleRowCommits)} single-row commits/s\n`);

  const results = new Map<string, RoundResult[]>(arms.map((arm) => [arm.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const arm of arms) {
      const result = await round(arm);
      results.get(arm.name)?.push(result);
      say(`round ${r + 1}, ${arm.name}: read idle p99 ${result.idle.p99} ms, during ingest p99 ${result.ingest.p99} ms (${fmt(result.ingested)} events/s), append→visible p99 ${fmt(result.visible.p99, 1)} ms (${fmt(result.visible.achieved)}/s, ${result.visible.inconsistent} not consistent), RSS after the ingest ${fmt(result.rssMb)} MB`);
    }
  }
  const ratio = (value: number, limit: number) => `${fmt((value / limit) * 100)}%`;
  say('');
  say(table([
    ['arm (median of rounds)', `360 read p99 idle (${READ_RATE}/s)`, `360 read p99 during ingest (${READ_RATE}/s)`, 'ingest meanwhile (ratio to raw 1,000-row txns)', `append → 360 visible p99 at ${VISIBLE_RATE}/s`, 'RSS after the ingest'],
    ...arms.map((arm) => {
      const rs = results.get(arm.name) ?? [];
      const ingested = median(rs.map((x) => x.ingested));
      return [
        arm.name,
        `${fmt(median(rs.map((x) => x.idle.p99)), 2)} ms`,
        `${fmt(median(rs.map((x) => x.ingest.p99)), 2)} ms (p50 ${fmt(median(rs.map((x) => x.ingest.p50)), 2)})`,
        `${fmt(ingested)} events/s (${ratio(ingested, raw.batched1000)})`,
        `${fmt(median(rs.map((x) => x.visible.p99)), 1)} ms (p50 ${fmt(median(rs.map((x) => x.visible.p50)), 1)})`,
        `${fmt(median(rs.map((x) => x.rssMb)))} MB`,
      ];
    }),
  ]));

  if (process.env.BENCH_PROFILE !== '0') {
    const profileDir = mkdtempSync(join(tmpdir(), 'chronicle-bench-profile-'));
    await round(arms[0], ['--cpu-prof', '--cpu-prof-dir', profileDir]);
    say(`\nCPU profile of the HTTP (main) thread, ${arms[0].name}, one whole round (self time):`);
    say(table([['function', 'self ms', 'share'], ...topSelfTime(profileDir, 15).map((f) => [f.name, fmt(f.ms), `${fmt(f.share * 100, 1)}%`])]));
    rmSync(profileDir, { recursive: true, force: true });
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'projector-thread-latest.md'), lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
