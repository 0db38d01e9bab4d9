// Several processes opening one new event-store file at the same moment (the split roles starting
// together on one DATA_DIR): each creates and upgrades the schema, and none may fail on what another
// just did (a fresh-clone CI run met "duplicate column name: hash" when two command APIs started at once).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const PROCESSES = 6;
const FILES = 20;

/** A separate process that opens each store in turn and closes it, once the parent says go. */
interface Opener {
  /** Resolves once the process has loaded everything and waits for the go. */
  readonly ready: Promise<void>;
  /** Its exit code and output, once it has ended. */
  readonly outcome: Promise<{ code: number; output: string }>;
  go(): void;
}

/**
 * Every process works through the same new files in the same order, so each file is a race. Each
 * says "ready" once TypeScript is loaded and then blocks reading its stdin; the parent writes the go
 * to all of them at once, so they open together whatever the loading took.
 */
function opener(files: readonly string[]): Opener {
  const script = `
    const { SqliteEventStore } = require(${JSON.stringify(join(ROOT, 'libs/event-store/src/sqlite/sqlite-event-store.ts'))});
    process.stdout.write('ready\\n');
    require('node:fs').readSync(0, Buffer.alloc(1));
    (async () => {
      for (const file of ${JSON.stringify(files)}) await new SqliteEventStore(file).close();
      process.exit(0);
    })();
  `;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script], { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') } });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) resolve();
    });
    child.on('exit', () => reject(new Error(`exited before it was ready: ${output}`)));
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const outcome = new Promise<{ code: number; output: string }>((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, output })));
  return { ready, outcome, go: () => child.stdin.write('g') };
}

describe('SqliteEventStore opened by several processes at once', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chronicle-open-race-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it(`${PROCESSES} processes opening one new file together all succeed, and the file has the whole schema`, async () => {
    // Several new files: the switch to WAL on a new file is where two processes deadlock (defect: one
    // failed with 'database is locked' from journal_mode = WAL, SQLite's deadlock answer bypassing the wait).
    const files = Array.from({ length: FILES }, (_, i) => join(dir, `events-${i}.sqlite`));
    const openers = Array.from({ length: PROCESSES }, () => opener(files));
    await Promise.all(openers.map((each) => each.ready));
    for (const each of openers) each.go();
    const outcomes = await Promise.all(openers.map((each) => each.outcome));
    expect(outcomes.filter((outcome) => outcome.code !== 0).map((outcome) => outcome.output)).toEqual([]);
    for (const file of files) {
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        const columns = (db.prepare('PRAGMA table_info(events)').all() as { name: string }[]).map((c) => c.name);
        expect(columns).toEqual(expect.arrayContaining(['hash', 'log_hash', 'customer_id']));
      } finally {
        db.close();
      }
    }
  });
});
