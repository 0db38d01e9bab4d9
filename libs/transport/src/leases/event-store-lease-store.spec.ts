// Leases on a real SQLite event-store file, opened twice as two processes would (two connections).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@app/event-store';
import { EventStoreLeaseStore, leaseStreamId } from './event-store-lease-store';

describe('EventStoreLeaseStore (real SQLite event store, two connections)', () => {
  let directory: string;
  let first: SqliteEventStore;
  let second: SqliteEventStore;
  let now: number;
  let a: EventStoreLeaseStore;
  let b: EventStoreLeaseStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-leases-'));
    first = new SqliteEventStore(join(directory, 'events.sqlite'));
    second = new SqliteEventStore(join(directory, 'events.sqlite'));
    now = 1_000_000;
    a = new EventStoreLeaseStore(first, () => now);
    b = new EventStoreLeaseStore(second, () => now);
  });

  afterEach(async () => {
    await first.close();
    await second.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('gives the lease to one holder until it expires; the holder renews it; a stale holder then loses it', async () => {
    expect(await a.acquire('relay', 'process-a', 10_000)).toBe(true);
    expect(await b.acquire('relay', 'process-b', 10_000)).toBe(false);
    now += 9_000;
    expect(await a.acquire('relay', 'process-a', 10_000)).toBe(true); // renewed until now + 10 s
    now += 9_000;
    expect(await b.acquire('relay', 'process-b', 10_000)).toBe(false);
    now += 2_000; // past the renewed expiry
    expect(await b.acquire('relay', 'process-b', 10_000)).toBe(true);
    expect(await a.acquire('relay', 'process-a', 10_000)).toBe(false);
  });

  it('release frees it at once, but only by its holder; leases are not events of the global log', async () => {
    expect(await a.acquire('sweep', 'process-a', 60_000)).toBe(true);
    await b.release('sweep', 'process-b');
    expect(await b.acquire('sweep', 'process-b', 60_000)).toBe(false);
    await a.release('sweep', 'process-a');
    expect(await b.acquire('sweep', 'process-b', 60_000)).toBe(true);
    expect(await first.readAll()).toEqual([]);
    expect((await first.getStreamMetadata(leaseStreamId('sweep'))).custom).toMatchObject({ holder: 'process-b' });
  });

  it('exactly one of many concurrent claimants over two connections gets a free lease', async () => {
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).acquire('reactor', `process-${i}`, 60_000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});
