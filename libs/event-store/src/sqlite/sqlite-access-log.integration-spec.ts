import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

describe.each(['thread', 'inline'] as const)('commits on the %s', (commits) => {
  describeAccessLogContract(`SqliteAccessLog (temp file, commits on the ${commits})`, async () => {
    const file = tempFile();
    const log = new SqliteAccessLog(file, { commits });
    const opened = [log];
    return {
      log,
      reopen: () => {
        const other = new SqliteAccessLog(file, { commits });
        opened.push(other);
        return other;
      },
      dispose: async () => {
        for (const one of opened) await one.close();
      },
    };
  });
});

describe('SqliteAccessLog specifics', () => {
  it('scrubs the query values of entries written before, once, when the file is opened; everything else as it was, and still append-only', async () => {
    const file = tempFile();
    const old = new SqliteAccessLog(file);
    const entry = (resource: string, customerId: string) => ({ at: '2026-11-20T09:00:00.000Z', actor: { id: 'k1', name: 'agent' }, action: 'customer-search', customerId, resource, correlationId: 'x' });
    // What the recorder wrote before it left query values out.
    await old.record(entry('GET /v1/customers?email=zed%40example.com', 'c-zed'));
    await old.record(entry('GET /v1/customers?phone=%2B15559876543&limit=5', 'c-zed'));
    await old.record(entry('GET /v1/customers?q=Zedowski', 'c-zed'));
    await old.record(entry('GET /v1/customers/c-ada', 'c-ada'));
    await old.close();
    const plain = new Database(file);
    plain.pragma('user_version = 0'); // a file from before the scrub
    plain.close();
    const personal = ['zed%40example.com', '15559876543', 'Zedowski'];
    const rawBytes = () => [file, `${file}-wal`].filter(existsSync).map((path) => readFileSync(path).toString('latin1')).join('\n');
    expect(personal.filter((value) => rawBytes().includes(value))).toEqual(personal);

    const reopened = new SqliteAccessLog(file);
    try {
      const page = await reopened.query({ limit: 10 });
      expect(page.entries.map(({ id, resource, customerId }) => ({ id, resource, customerId }))).toEqual([
        { id: '1', resource: 'GET /v1/customers?email=…', customerId: 'c-zed' },
        { id: '2', resource: 'GET /v1/customers?phone=…&limit=…', customerId: 'c-zed' },
        { id: '3', resource: 'GET /v1/customers?q=…', customerId: 'c-zed' },
        { id: '4', resource: 'GET /v1/customers/c-ada', customerId: 'c-ada' },
      ]);
      expect(page.entries[0]).toMatchObject({ at: '2026-11-20T09:00:00.000Z', actor: { id: 'k1', name: 'agent' }, action: 'customer-search', correlationId: 'x' });
      expect(personal.filter((value) => rawBytes().includes(value))).toEqual([]);
    } finally {
      await reopened.close();
    }
    const db = new Database(file);
    try {
      expect(() => db.prepare("UPDATE access_log SET resource = 'GET /v1/customers?email=zed%40example.com'").run()).toThrow('append-only');
    } finally {
      db.close();
    }
  });

  it('commits inline within the turn the entries were recorded in: durable in the file before an immediate queued after them runs', async () => {
    const file = tempFile();
    const log = new SqliteAccessLog(file, { commits: 'inline' });
    try {
      const at = new Date().toISOString();
      const recorded = ['c-1', 'c-2', 'c-3'].map((customerId) => log.record({ at, actor: { id: 'k1' }, action: 'customer360', customerId, resource: `GET /v1/customers/${customerId}`, correlationId: customerId }));
      let settled = 0;
      for (const one of recorded) void one.then(() => settled++);
      const inFileThen = await new Promise<unknown[]>((resolve) =>
        setImmediate(() => {
          const db = new Database(file, { readonly: true });
          try {
            resolve([settled, db.prepare('SELECT customer_id FROM access_log ORDER BY id').pluck().all()]);
          } finally {
            db.close();
          }
        }),
      );
      expect(inFileThen).toEqual([3, ['c-1', 'c-2', 'c-3']]);
    } finally {
      await log.close();
    }
  });

  it('refuses inline commits at synchronous FULL (each commit would wait for the disk on the event loop)', () => {
    expect(() => new SqliteAccessLog(tempFile(), { commits: 'inline', synchronous: 'FULL' })).toThrow('inline commits need synchronous NORMAL');
  });

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
