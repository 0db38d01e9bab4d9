import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadStore } from '@app/read-store';
import { ProjectorRunner } from './projector-runner';
import { StoredCheckpointProgress } from './stored-checkpoint-progress';
import { ledgerProjection, recordedLedgerEvent as at } from './testing/ledger-projection';

const NAME = 'ledger-projector';

// The projector in one "process" (its own connection to the read store file), the waiting queries
// in another (a second connection): only the stored checkpoint passes between them.
describe('StoredCheckpointProgress (a projector on another connection to a real SqliteReadStore)', () => {
  let directory: string;
  let projectorStore: SqliteReadStore;
  let queryStore: SqliteReadStore;
  let runner: ProjectorRunner;
  let reads: number;
  let readDone: (() => void)[];
  let progress: StoredCheckpointProgress;

  /** Resolves once the progress has read the checkpoint `n` more times. */
  const readsMore = (n: number) => new Promise<void>((resolve) => {
    const target = reads + n;
    const check = () => (reads >= target ? resolve() : readDone.push(check));
    check();
  });

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-checkpoint-progress-'));
    projectorStore = new SqliteReadStore(join(directory, 'reads.sqlite'));
    runner = new ProjectorRunner(projectorStore, [ledgerProjection()], { name: NAME });
    await runner.start();
    queryStore = new SqliteReadStore(join(directory, 'reads.sqlite'));
    reads = 0;
    readDone = [];
    progress = new StoredCheckpointProgress(async () => {
      const checkpoint = await queryStore.getCheckpoint(NAME);
      reads += 1;
      for (const done of readDone.splice(0)) done();
      return checkpoint;
    }, 1);
  });

  afterEach(async () => {
    await queryStore.close();
    await projectorStore.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const deposit = (customerId: string, position: number) => at({ type: 'Deposited', data: { customerId, amount: 10 } }, position);

  it('answers a wait once the projector stored a checkpoint at or past the position, not before', async () => {
    await runner.applyBatch([deposit('ada', 1), deposit('bob', 2)]);
    let answer: boolean | undefined;
    const waiting = progress.waitForPosition(4, 60_000).then((reached) => (answer = reached));
    // Read twice with the checkpoint at 2: still waiting.
    await readsMore(2);
    expect(answer).toBeUndefined();
    await runner.applyBatch([deposit('ada', 3)]);
    await readsMore(2);
    expect(answer).toBeUndefined();
    await runner.applyBatch([deposit('bob', 4), deposit('cy', 5)]);
    await waiting;
    expect(answer).toBe(true);
  });

  it('serves every query waiting at once with one read of the checkpoint per poll', async () => {
    const waits = Array.from({ length: 50 }, (_, i) => progress.waitForPosition(1 + (i % 3), 60_000));
    await readsMore(1);
    const before = reads;
    await runner.applyBatch([deposit('ada', 1), deposit('bob', 2), deposit('cy', 3)]);
    expect(await Promise.all(waits)).toEqual(Array.from({ length: 50 }, () => true));
    // 50 queries, a handful of reads (the polls until the batch was stored), not one read per query per poll.
    expect(reads - before).toBeLessThan(50);
  });

  it('answers false once the wait is over when the projector never gets there', async () => {
    await runner.applyBatch([deposit('ada', 1)]);
    await expect(progress.waitForPosition(2, 50)).resolves.toBe(false);
    await expect(progress.waitForPosition(1, 60_000)).resolves.toBe(true);
  });
});
