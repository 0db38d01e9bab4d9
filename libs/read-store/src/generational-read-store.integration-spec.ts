// A read-model generation is a ReadStore in its own right: it passes the port's contract unchanged,
// and it never sees or touches another generation's documents or checkpoints.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadStoreContract } from './testing/read-store.contract';
import { SqliteReadStore } from './sqlite/sqlite-read-store';
import { activateGeneration, ACTIVE_GENERATION_CHECKPOINT, GenerationalReadStore, generationOfCheckpoint } from './generational-read-store';

const directories: string[] = [];
function tempFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-generations-'));
  directories.push(directory);
  return join(directory, 'read-models.sqlite');
}
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describeReadStoreContract('GenerationalReadStore (generation 3 over SQLite)', async () => {
  const store = new GenerationalReadStore(new SqliteReadStore(tempFile()), 3);
  return { store, dispose: () => store.close() };
});

describe('GenerationalReadStore', () => {
  it('keeps generations apart: documents, checkpoints, drop; the live one follows the pointer', async () => {
    const physical = new SqliteReadStore(tempFile());
    const live = await GenerationalReadStore.live(physical);
    expect(live.generation).toBe(0);
    const next = new GenerationalReadStore(physical, 1);

    await live.applyBatch([{ kind: 'upsert', collection: 'customer360', doc: { id: 'c-1', lastPosition: 5, name: 'old' } }], { name: 'chronicle-projector', position: 5 });
    await next.applyBatch([{ kind: 'upsert', collection: 'customer360', doc: { id: 'c-1', lastPosition: 3, name: 'new' } }], { name: 'chronicle-projector', position: 3 });

    expect(await live.get('customer360', 'c-1')).toMatchObject({ name: 'old' });
    expect(await next.get('customer360', 'c-1')).toMatchObject({ name: 'new' });
    expect(await live.getCheckpoint('chronicle-projector')).toBe(5);
    expect(await next.getCheckpoint('chronicle-projector')).toBe(3);
    expect(await live.listCheckpoints()).toEqual([{ name: 'chronicle-projector', position: 5 }]);
    expect(await next.listCheckpoints()).toEqual([{ name: 'chronicle-projector', position: 3 }]);
    expect((await physical.listCheckpoints()).map((c) => generationOfCheckpoint(c.name, 'chronicle-projector'))).toEqual([0, 1]);

    await activateGeneration(physical, 1);
    expect(await physical.getCheckpoint(ACTIVE_GENERATION_CHECKPOINT)).toBe(1);
    expect(await live.pointer()).toBe(1);
    expect(live.generation).toBe(0); // moves only when told to (with the projector stopped)
    live.use(1);
    expect(await live.get('customer360', 'c-1')).toMatchObject({ name: 'new' });

    await new GenerationalReadStore(physical, 0).drop(['customer360']);
    expect(await physical.get('customer360', 'c-1')).toBeNull();
    expect(await live.get('customer360', 'c-1')).toMatchObject({ name: 'new' });
    await physical.close();
  });
});
