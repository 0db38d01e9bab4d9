// The event store file's side tables (idempotency keys) and the access log are written by several
// processes too: a write that finds another process's write lock waits on a timer (this process's
// event loop keeps turning), is written once the lock is free, and is refused unwritten when its
// wait reaches the budget.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdWriteLock, type WriteLockHolder } from '@app/sqlite/testing/write-lock-holder';
import { EventStoreBusyError } from '../event-store.port';
import { SqliteAccessLog } from './sqlite-access-log';
import { SqliteIdempotencyKeys } from './sqlite-idempotency-keys';

const directories: string[] = [];
let holder: WriteLockHolder | undefined;

function tempFile(name: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-sqlite-wait-'));
  directories.push(directory);
  return join(directory, name);
}

afterEach(() => {
  holder?.kill();
  holder = undefined;
});

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** True once `promise` settled; read it after a round trip through the lock holder. */
const ref = { scope: 'key-1', key: 'order-7' };
const entry = { at: '2026-11-20T10:00:00.000Z', actor: { id: 'k1' }, action: 'customer360', customerId: 'c-1', resource: 'GET /v1/customers/c-1', correlationId: 'x' };

describe('SqliteIdempotencyKeys while another process holds the write lock', () => {
  it('claims without blocking the event loop once the lock is released', async () => {
    const file = tempFile('events.sqlite');
    const keys = new SqliteIdempotencyKeys(file, { writeLockBudgetMs: 60_000 });
    try {
      holder = await holdWriteLock(file);
      const claim = keys.claim(ref, 'fp', 10_000);
      // Needs this process's event loop; a synchronous wait for the lock would settle the claim first.
      expect(await holder.settledAfterRoundTrips(claim)).toBe(false);
      await holder.commit();
      holder = undefined;
      expect(await claim).toMatchObject({ outcome: 'acquired' });
      expect(await keys.claim(ref, 'fp', 10_000)).toEqual({ outcome: 'in_progress' });
    } finally {
      await keys.close();
    }
  });

  it('refuses a claim whose wait reaches the budget, and nothing is claimed', async () => {
    const file = tempFile('events.sqlite');
    const keys = new SqliteIdempotencyKeys(file, { writeLockBudgetMs: 30 });
    try {
      holder = await holdWriteLock(file);
      const refused: unknown = await keys.claim(ref, 'fp', 10_000).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(EventStoreBusyError);
      expect((refused as Error).message).toContain(file);
      await holder.commit();
      holder = undefined;
      expect(await keys.claim(ref, 'fp', 10_000)).toMatchObject({ outcome: 'acquired' });
    } finally {
      await keys.close();
    }
  });
});

describe.each(['thread', 'inline'] as const)('SqliteAccessLog (commits on the %s) while another process holds the write lock', (commits) => {
  it('records without blocking the event loop once the lock is released', async () => {
    const file = tempFile('access-log.sqlite');
    const log = new SqliteAccessLog(file, { writeLockBudgetMs: 60_000, commits });
    try {
      holder = await holdWriteLock(file);
      const recorded = log.record(entry);
      expect(await holder.settledAfterRoundTrips(recorded)).toBe(false);
      await holder.commit();
      holder = undefined;
      await recorded;
      expect((await log.query({ customerId: 'c-1', limit: 10 })).entries).toHaveLength(1);
    } finally {
      await log.close();
    }
  });

  it('refuses entries whose wait reaches the budget; later entries are recorded', async () => {
    const file = tempFile('access-log.sqlite');
    const log = new SqliteAccessLog(file, { writeLockBudgetMs: 30, commits });
    try {
      holder = await holdWriteLock(file);
      const refused: unknown = await log.record(entry).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(EventStoreBusyError);
      await holder.commit();
      holder = undefined;
      await log.record({ ...entry, correlationId: 'y' });
      expect((await log.query({ customerId: 'c-1', limit: 10 })).entries.map((e) => e.correlationId)).toEqual(['y']);
    } finally {
      await log.close();
    }
  });
});
