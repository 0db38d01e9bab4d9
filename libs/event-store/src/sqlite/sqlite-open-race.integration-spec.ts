// Several processes opening one new event-store file at the same moment (the split roles starting
// together on one DATA_DIR): each creates and upgrades the schema, and none may fail on what another
// just did (a fresh-clone CI run met "duplicate column name: hash" when two command APIs started at once).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const PROCESSES = 6;
const FILES = 20;

/**
 * A separate process that waits for the common start time, then opens each store in turn and closes
 * it (every process works through the same new files in the same order, so each file is a race).
 */
function openAt(files: readonly string[], startAt: number): Promise<{ code: number; output: string }> {
  const script = `
    const { SqliteEventStore } = require(${JSON.stringify(join(ROOT, 'libs/event-store/src/sqlite/sqlite-event-store.ts'))});
    while (Date.now() < ${startAt}) { /* every process opens at the same instant */ }
    (async () => {
      for (const file of ${JSON.stringify(files)}) await new SqliteEventStore(file).close();
      process.exit(0);
    })();
  `;
  return new Promise((done) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script], { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') } }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
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
    // Long enough for every process to load TypeScript before the start time.
    const startAt = Date.now() + 15_000;
    const outcomes = await Promise.all(Array.from({ length: PROCESSES }, () => openAt(files, startAt)));
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
