import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointInBackground, type BackgroundCheckpoints } from './background-checkpoints';

let directory: string;
let db: Database.Database;
let checkpoints: BackgroundCheckpoints | undefined;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'chronicle-checkpoints-'));
  db = new Database(join(directory, 'file.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
});

afterEach(async () => {
  await checkpoints?.stop();
  checkpoints = undefined;
  db.close();
  rmSync(directory, { recursive: true, force: true });
});

const walSize = () => statSync(join(directory, 'file.sqlite-wal')).size;
const write = (rows: number) =>
  db.transaction(() => {
    const insert = db.prepare('INSERT INTO rows (body) VALUES (?)');
    for (let i = 0; i < rows; i++) insert.run('x'.repeat(400));
  })();

async function eventually(assertion: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

jest.setTimeout(30_000);

describe('checkpointInBackground', () => {
  it("leaves the connection's own checkpoints to a far backstop and copies the WAL back from another thread", async () => {
    checkpoints = checkpointInBackground(db, join(directory, 'file.sqlite'));
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    write(5_000); // ~2.5 MB of WAL, far below the backstop: this connection checkpoints nothing itself
    // Once the worker has copied every frame back, the next write starts the WAL over from its
    // beginning instead of appending to it: the file does not grow.
    await eventually(() => {
      const before = walSize();
      write(10);
      expect(walSize()).toBe(before);
    });
    expect(db.prepare('SELECT COUNT(*) AS n FROM rows').get()).toEqual({ n: expect.any(Number) });
  });

  it('stops on request, so the store can close its connection last', async () => {
    const background = checkpointInBackground(db, join(directory, 'file.sqlite'));
    write(100);
    await background.stop();
    await background.stop();
  });

  it('does nothing for a database without a WAL', async () => {
    const memory = new Database(':memory:');
    try {
      await checkpointInBackground(memory, ':memory:').stop();
      expect(memory.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    } finally {
      memory.close();
    }
  });
});
