import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { ReadStoreBusyError, SqliteReadStore, type Projection, type ReadDocument } from '@app/read-store';
import { eventually } from '../../../../test/support/eventually';
import { ProjectorRunner } from '../projector/projector-runner';
import { BALANCES, EMAILS, ledgerEvent, ledgerProjection, type LedgerEvent } from '../projector/testing/ledger-projection';
import { EmbeddedProjector } from './embedded-projector';

const NAME = 'embedded-ledger';
const CATCH_UP_MS = 15_000;

describe('EmbeddedProjector (real SqliteEventStore -> ProjectorRunner -> SqliteReadStore)', () => {
  let directory: string;
  let events: SqliteEventStore;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-embedded-'));
    events = new SqliteEventStore(join(directory, 'events.sqlite'));
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await events.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const readStore = (file: string): SqliteReadStore => {
    const store = new SqliteReadStore(join(directory, file));
    closers.push(() => store.close());
    return store;
  };

  const projector = (
    store: SqliteReadStore,
    projections: readonly Projection[] = [ledgerProjection()],
    options: ConstructorParameters<typeof EmbeddedProjector>[2] = {},
  ): { runner: ProjectorRunner; projector: EmbeddedProjector } => {
    const runner = new ProjectorRunner(store, projections, { name: NAME });
    const embedded = new EmbeddedProjector(events, runner, options);
    closers.push(() => embedded.stop());
    return { runner, projector: embedded };
  };

  /** Appends `count` ledger events over `customers` streams, in several appends; returns the head position. */
  const append = async (count: number, customers = 7, seed = 0): Promise<number> => {
    for (let i = 0; i < count; i += 3) {
      const customerId = `c${(seed + i) % customers}`;
      const batch: LedgerEvent[] = [];
      for (let j = i; j < Math.min(i + 3, count); j += 1) {
        const n = seed + j;
        batch.push(
          n % 5 === 4
            ? { type: 'EmailChanged', data: { customerId, email: `${customerId}-${n}@example.com` } }
            : n % 7 === 6
              ? { type: 'Doubled', data: { customerId } }
              : { type: 'Deposited', data: { customerId, amount: (n % 11) + 1 } },
        );
      }
      await events.append(`ledger-${customerId}`, batch.map((event) => ledgerEvent(event, randomUUID())), { expectedRevision: 'any' });
    }
    return events.headPosition();
  };

  const snapshot = async (store: SqliteReadStore): Promise<{ balances: ReadDocument[]; emails: ReadDocument[] }> => ({
    balances: await store.find(BALANCES, {}, { sort: [{ field: 'id', direction: 'asc' }] }),
    emails: await store.find(EMAILS, {}, { sort: [{ field: 'id', direction: 'asc' }] }),
  });

  /** The read models a clean pass over the whole log gives, in a fresh read store. */
  const cleanRebuild = async (): Promise<{ balances: ReadDocument[]; emails: ReadDocument[] }> => {
    const store = readStore(`clean-${randomUUID()}.sqlite`);
    const clean = projector(store);
    await clean.projector.start();
    expect(await clean.runner.waitForPosition(await events.headPosition(), CATCH_UP_MS)).toBe(true);
    await clean.projector.stop();
    return snapshot(store);
  };

  it('catches up, stops, resumes from its checkpoint, and ends equal to a clean rebuild', async () => {
    const store = readStore('reads.sqlite');
    const first = projector(store, undefined, { maxBatchSize: 40 });
    const head = await append(300);
    const batchSizes: number[] = [];
    first.runner.onApplied((batch) => batchSizes.push(batch.length));

    await first.projector.start();
    expect(await first.runner.waitForPosition(head, CATCH_UP_MS)).toBe(true);
    await first.projector.stop();
    expect(await first.runner.checkpoint()).toBe(head);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(40);
    expect(batchSizes.reduce((sum, size) => sum + size, 0)).toBe(300);

    const newHead = await append(150, 9, 1000);
    expect(await first.runner.checkpoint()).toBe(head); // stopped: nothing more applied

    // A new process: new runner and projector on the same read store.
    const second = projector(store);
    const delivered: RecordedEvent[] = [];
    second.runner.onApplied((batch) => delivered.push(...batch));
    await second.projector.start();
    expect(await second.runner.waitForPosition(newHead, CATCH_UP_MS)).toBe(true);

    expect(delivered).toHaveLength(150);
    expect(Math.min(...delivered.map((event) => event.position))).toBeGreaterThan(head);
    expect(await snapshot(store)).toEqual(await cleanRebuild());
  });

  it('follows live appends while running', async () => {
    const store = readStore('reads.sqlite');
    const { runner, projector: embedded } = projector(store);
    await embedded.start();
    for (let round = 0; round < 5; round += 1) {
      const head = await append(20, 4, round * 20);
      expect(await runner.waitForPosition(head, CATCH_UP_MS)).toBe(true);
    }
    expect(await runner.checkpoint()).toBe(await events.headPosition());
    expect(await snapshot(store)).toEqual(await cleanRebuild());
  });

  it('restarts from the checkpoint after a failing batch, with backoff, and loses nothing', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const head = await append(90);
      const failAt = (await events.readAll({ maxCount: 50 }))[49]?.position as number;
      let failuresLeft = 2;
      const ledger = ledgerProjection();
      const flaky: Projection = {
        ...ledger,
        apply: (event, view) => {
          if (event.position === failAt && failuresLeft > 0) {
            failuresLeft -= 1;
            throw new Error(`projection failed at ${event.position}`);
          }
          return ledger.apply(event, view);
        },
      };
      const store = readStore('reads.sqlite');
      const { runner, projector: embedded } = projector(store, [flaky], { maxBatchSize: 20, initialRetryDelayMs: 5 });

      await embedded.start();
      expect(await runner.waitForPosition(head, CATCH_UP_MS)).toBe(true);

      expect(failuresLeft).toBe(0);
      expect(errors).toHaveBeenCalledTimes(2);
      expect(String(errors.mock.calls[0]?.[0])).toContain(`projection failed at ${failAt}`);
      expect(await snapshot(store)).toEqual(await cleanRebuild());
    } finally {
      errors.mockRestore();
    }
  });

  /** The store, with every write that carries documents held until released (while `holding`). */
  const holdingWrites = (store: SqliteReadStore): { store: SqliteReadStore; held: (() => void)[]; releaseAll: () => void } => {
    const held: (() => void)[] = [];
    let holding = true;
    const gated = Object.create(store) as SqliteReadStore;
    gated.applyBatch = async (writes, checkpoints) => {
      if (holding && writes.length > 0) await new Promise<void>((resolve) => held.push(resolve));
      return store.applyBatch(writes, checkpoints);
    };
    return { store: gated, held, releaseAll: () => { holding = false; for (const release of held.splice(0)) release(); } };
  };

  /** The ledger projection, recording the position of every event it projects. */
  const recordingLedger = (projected: number[]): Projection => {
    const ledger = ledgerProjection();
    return { ...ledger, apply: (event, view) => { projected.push(event.position); return ledger.apply(event, view); } };
  };

  /**
   * 90 events in batches of 20, the store's writes held: started, until the first batch's write is
   * held and the second batch is read and projected meanwhile.
   */
  const withFirstWriteHeld = async () => {
    const head = await append(90);
    const real = readStore('reads.sqlite');
    const { store, held, releaseAll } = holdingWrites(real);
    const projected: number[] = [];
    const { runner, projector: embedded } = projector(store, [recordingLedger(projected)], { maxBatchSize: 20 });
    await embedded.start();
    await eventually(async () => expect(held.length === 1 && projected.length >= 40).toBe(true));
    return { head, real, held, releaseAll, projected, runner, embedded };
  };

  it('projects the next batch while the store writes the one before, and never takes a third', async () => {
    const { head, real, releaseAll, projected, runner } = await withFirstWriteHeld();
    // Two batches in hand, not more: the subscription waits for the first write before reading a third.
    expect(projected).toHaveLength(40);
    releaseAll();
    expect(await runner.waitForPosition(head, CATCH_UP_MS)).toBe(true);
    expect(await snapshot(real)).toEqual(await cleanRebuild());
  });

  it('stop() returns once the store holds every batch handed over, the one still being projected too', async () => {
    const { held, releaseAll, projected, runner, embedded } = await withFirstWriteHeld();
    let stopped = false;
    const stopping = embedded.stop().then(() => { stopped = true; });
    // The first write goes in; the second batch's write is the one in flight now, and stop() waits for it.
    held.shift()?.();
    await eventually(async () => expect(held).toHaveLength(1));
    expect(stopped).toBe(false);
    releaseAll();
    await stopping;
    // Both batches in the store (the second's last event is the checkpoint), nothing after them.
    expect(await runner.checkpoint()).toBe(projected[39]);
    expect(projected).toHaveLength(40);
  });

  it('a write refused with no batch after it ends the run: the restart takes the batch again and loses nothing', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      // One batch: nothing follows the refused write to notice it.
      const head = await append(12);
      const real = readStore('reads.sqlite');
      let refusals = 1;
      const refusingOnce = Object.create(real) as SqliteReadStore;
      refusingOnce.applyBatch = async (writes, checkpoints) => {
        if (writes.length > 0 && refusals > 0) {
          refusals -= 1;
          throw new ReadStoreBusyError('test', 5_000);
        }
        return real.applyBatch(writes, checkpoints);
      };
      const { runner, projector: embedded } = projector(refusingOnce, undefined, { initialRetryDelayMs: 5 });
      await embedded.start();
      expect(await runner.waitForPosition(head, CATCH_UP_MS)).toBe(true);
      expect(refusals).toBe(0);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(String(errors.mock.calls[0]?.[0])).toContain('is busy');
      expect(await snapshot(real)).toEqual(await cleanRebuild());
    } finally {
      errors.mockRestore();
    }
  });

  it('stop() during a pending restart cancels it', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      await append(10);
      const failing: Projection = {
        ...ledgerProjection(),
        apply: () => {
          throw new Error('always fails');
        },
      };
      const store = readStore('reads.sqlite');
      const { runner, projector: embedded } = projector(store, [failing], { initialRetryDelayMs: 60_000 });
      let failed!: () => void;
      const firstFailure = new Promise<void>((resolve) => (failed = resolve));
      errors.mockImplementation(() => failed());

      await embedded.start();
      expect(embedded.state).toBe('running');
      await firstFailure;
      expect(embedded.state).toBe('restarting');
      await embedded.stop();

      expect(embedded.state).toBe('stopped');
      expect(errors).toHaveBeenCalledTimes(1);
      expect(await runner.checkpoint()).toBeNull();
    } finally {
      errors.mockRestore();
    }
  });
});
