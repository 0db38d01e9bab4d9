// rebuildReadModels keeps one batch written while it reads and projects the next: the result must
// be what one batch at a time gives, and a write that fails must leave a target the next run takes
// up from its checkpoint, ending where a clean rebuild ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@app/event-store';
import { SqliteReadStore, type ReadDocument, type SqliteReadStoreWrites } from '@app/read-store';
import { BALANCES, EMAILS, ledgerEvent, ledgerProjection, type LedgerEvent } from '@app/transport/projector/testing/ledger-projection';
import { rebuildReadModels } from './rebuild';

describe('rebuildReadModels, the next batch prepared while one is written', () => {
  let directory: string;
  let events: SqliteEventStore;
  const stores: SqliteReadStore[] = [];
  const CUSTOMERS = ['ada', 'bob', 'cy', 'dee'];

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-rebuild-'));
    events = new SqliteEventStore(join(directory, 'events.sqlite'));
    // 4 customers × 15 events: deposits, doublings and email changes interleaved across streams.
    for (let i = 0; i < 15; i++) {
      for (const [c, customerId] of CUSTOMERS.entries()) {
        const kinds: LedgerEvent[] = [
          { type: 'Deposited', data: { customerId, amount: i + c } },
          { type: 'Doubled', data: { customerId } },
          { type: 'EmailChanged', data: { customerId, email: `${customerId}-${i}@example.com` } },
        ];
        await events.append(`ledger-${customerId}`, [ledgerEvent(kinds[(i + c) % 3] as LedgerEvent, `${customerId}-${i}`)], { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
      }
    }
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await events.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const open = (name: string, writes: SqliteReadStoreWrites): SqliteReadStore => {
    const store = new SqliteReadStore(join(directory, `${name}.sqlite`), { writes });
    stores.push(store);
    return store;
  };
  const contents = async (store: SqliteReadStore): Promise<ReadDocument[][]> => [
    await store.find(BALANCES, {}, { sort: [{ field: 'id', direction: 'asc' }] }),
    await store.find(EMAILS, {}, { sort: [{ field: 'id', direction: 'asc' }] }),
  ];
  const options = { currency: 'EUR' as const, projections: [ledgerProjection()], checkpointName: 'ledger', batchSize: 7 };

  it('ends, batch by batch on a write thread, with the documents and checkpoint of one batch at a time', async () => {
    const clean = open('clean', 'inline');
    const oneAtATime = await rebuildReadModels(events, clean, { ...options, batchSize: 1_000 });
    const pipelined = open('pipelined', 'thread');
    const result = await rebuildReadModels(events, pipelined, options);
    expect(result).toMatchObject({ events: 60, position: oneAtATime.position });
    expect(await contents(pipelined)).toEqual(await contents(clean));
    expect((await contents(clean))[0]).toHaveLength(4);
    expect(await pipelined.getCheckpoint('ledger')).toBe(oneAtATime.position);
  });

  it('stops at a failed write with the target at a batch it holds whole, and the next run ends as a clean rebuild', async () => {
    const clean = open('clean', 'inline');
    await rebuildReadModels(events, clean, options);
    const target = open('target', 'thread');
    let writes = 0;
    const failing = Object.create(target) as SqliteReadStore;
    failing.applyBatch = async (batch, checkpoint) => {
      if (++writes === 4) throw new Error('disk full');
      return target.applyBatch(batch, checkpoint);
    };
    await expect(rebuildReadModels(events, failing, options)).rejects.toThrow('disk full');
    // Three batches of seven went in; nothing prepared on top of the failed one was written.
    expect(await target.getCheckpoint('ledger')).toBe((await events.readAll({ maxCount: 21 })).at(-1)?.position);
    const resumed = await rebuildReadModels(events, target, options);
    expect(resumed.events).toBe(60 - 21);
    expect(await contents(target)).toEqual(await contents(clean));
  });
});
