import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activateGeneration, GenerationalReadStore, SqliteReadStore } from '@app/read-store';
import { PartitionWatermarks } from '@app/transport';
import { PROJECTOR_NAME } from '../read-models';
import { dropGeneration } from './rebuild';

describe('dropGeneration', () => {
  let directory: string;
  let store: SqliteReadStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-drop-generation-'));
    store = new SqliteReadStore(join(directory, 'reads.sqlite'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('removes every checkpoint of the dropped generation\'s projector, its partitions\' watermarks too, and nothing of the live one', async () => {
    const generation = (n: number) => new GenerationalReadStore(store, n);
    for (const n of [0, 1]) {
      await generation(n).applyBatch([], { name: PROJECTOR_NAME, position: 10 + n });
      await new PartitionWatermarks(generation(n), PROJECTOR_NAME).record(0, 10 + n, 1);
    }
    await store.applyBatch([], { name: 'someone-else', position: 3 });
    await activateGeneration(store, 1);

    await dropGeneration(store, 0);
    expect(await generation(0).listCheckpoints()).toEqual([{ name: 'someone-else', position: 3 }]);
    expect(await new PartitionWatermarks(generation(1), PROJECTOR_NAME).read()).toBe(11);
    expect(await generation(1).getCheckpoint(PROJECTOR_NAME)).toBe(11);
  });
});
