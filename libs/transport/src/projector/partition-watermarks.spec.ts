import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenerationalReadStore, SqliteReadStore } from '@app/read-store';
import { PartitionWatermarks } from './partition-watermarks';

describe('PartitionWatermarks (on a real SqliteReadStore)', () => {
  let directory: string;
  let store: SqliteReadStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-watermarks-'));
    store = new SqliteReadStore(join(directory, 'reads.sqlite'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('says nothing until a watermark record told how many partitions there are: the ones seen are not all', async () => {
    const marks = new PartitionWatermarks(store, 'p');
    await marks.record(0, 40, 0);
    expect(await marks.read()).toBe(0);
    await marks.record(1, 30, 3);
    // Partition 2 has told nothing yet.
    expect(await marks.read()).toBe(0);
    await marks.record(2, 35, 3);
    expect(await marks.read()).toBe(30);
  });

  it('is the least of the partitions, read by any instance on the same store; the count is never lowered', async () => {
    const first = new PartitionWatermarks(store, 'p');
    const second = new PartitionWatermarks(store, 'p');
    await first.record(0, 10, 4);
    await first.record(1, 12, 4);
    // Another instance with partitions 2 and 3, from an older watermark record that knew of fewer partitions.
    await second.record(2, 9, 2);
    await second.record(3, 11, 2);
    expect(await first.read()).toBe(9);
    expect(await new PartitionWatermarks(store, 'p').read()).toBe(9);
    // A projector of another name keeps its own.
    expect(await new PartitionWatermarks(store, 'q').read()).toBe(0);
  });

  it('gives what record would store as checkpoints for a batch\'s own write: due again until stored, nothing once stored', async () => {
    const marks = new PartitionWatermarks(store, 'p');
    const first = await marks.checkpoints(1, 30, 2);
    expect(first.checkpoints).toEqual([{ name: 'p@partitions', position: 2 }, { name: 'p@partition-1', position: 30 }]);
    // Not stored yet (the batch's write failed or has not happened): due again, and nothing in the store.
    expect((await marks.checkpoints(1, 30, 2)).checkpoints).toEqual(first.checkpoints);
    expect(await store.listCheckpoints()).toEqual([]);
    await store.applyBatch([], first.checkpoints);
    first.stored();
    expect((await marks.checkpoints(1, 30, 2)).checkpoints).toEqual([]);
    expect((await marks.checkpoints(1, 25, 2)).checkpoints).toEqual([]);
    expect((await marks.checkpoints(1, 31, 2)).checkpoints).toEqual([{ name: 'p@partition-1', position: 31 }]);
    // A count another instance stored already is not written again, nor read again once known.
    await new PartitionWatermarks(store, 'p').record(0, 12, 3);
    expect((await marks.checkpoints(0, 12, 3)).checkpoints).toEqual([{ name: 'p@partition-0', position: 12 }]);
    const known = new PartitionWatermarks(store, 'q');
    await known.record(0, 12, 2);
    await new PartitionWatermarks(store, 'q').record(1, 5, 3);
    const reads = jest.spyOn(store, 'getCheckpoint');
    // Nothing due (partition 0 is stored, the count 3 too, by the other): the count is read once.
    await known.record(0, 12, 3);
    await known.record(0, 12, 3);
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockRestore();
    expect(await marks.read()).toBe(0);
    await marks.record(2, 40, 3);
    expect(await marks.read()).toBe(12);
  });

  it('keeps each read-model generation apart (a blue/green rebuild has its own partitions\' watermarks)', async () => {
    const live = new PartitionWatermarks(new GenerationalReadStore(store, 0), 'p');
    const next = new PartitionWatermarks(new GenerationalReadStore(store, 1), 'p');
    await live.record(0, 50, 1);
    expect(await live.read()).toBe(50);
    expect(await next.read()).toBe(0);
    await next.record(0, 20, 1);
    expect(await next.read()).toBe(20);
    expect(await live.read()).toBe(50);
  });
});
