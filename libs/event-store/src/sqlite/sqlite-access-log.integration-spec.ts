import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeAccessLogContract } from '../testing/access-log.contract';
import { SqliteAccessLog } from './sqlite-access-log';

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function tempFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-access-log-'));
  directories.push(directory);
  return join(directory, 'access-log.sqlite');
}

describeAccessLogContract('SqliteAccessLog (temp file)', async () => {
  const file = tempFile();
  const log = new SqliteAccessLog(file);
  const opened = [log];
  return {
    log,
    reopen: () => {
      const other = new SqliteAccessLog(file);
      opened.push(other);
      return other;
    },
    dispose: async () => {
      for (const one of opened) await one.close();
    },
  };
});

describe('SqliteAccessLog specifics', () => {
  it('refuses to change or remove a recorded entry, even through plain SQL on the file', async () => {
    const file = tempFile();
    const log = new SqliteAccessLog(file);
    await log.record({ at: new Date().toISOString(), actor: { id: 'k1' }, action: 'customer360', customerId: 'c-1', resource: 'GET /v1/customers/c-1', correlationId: 'x' });
    await log.close();
    const db = new Database(file);
    try {
      expect(() => db.prepare("UPDATE access_log SET actor_id = 'someone-else'").run()).toThrow('append-only');
      expect(() => db.prepare('DELETE FROM access_log').run()).toThrow('append-only');
      expect(db.prepare('SELECT actor_id FROM access_log').pluck().all()).toEqual(['k1']);
    } finally {
      db.close();
    }
  });
});
