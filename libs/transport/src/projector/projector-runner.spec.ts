import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { RecordedEvent } from '@app/event-sourcing';
import { SqliteReadStore, type Projection, type ReadDocument } from '@app/read-store';
import { ProjectorRunner } from './projector-runner';
import { BALANCES, EMAILS, ledgerProjection, recordedLedgerEvent as at, type BalanceDocument } from './testing/ledger-projection';

const NAME = 'ledger-projector';

describe('ProjectorRunner (on a real SqliteReadStore)', () => {
  let directory: string;
  let store: SqliteReadStore;
  let runner: ProjectorRunner;

  const open = async (file = 'reads.sqlite'): Promise<{ store: SqliteReadStore; runner: ProjectorRunner }> => {
    const opened = new SqliteReadStore(join(directory, file));
    const started = new ProjectorRunner(opened, [ledgerProjection()], { name: NAME });
    await started.start();
    return { store: opened, runner: started };
  };

  /** Every document the ledger projection owns, plus its checkpoint. */
  const snapshot = async (target: SqliteReadStore = store): Promise<{ balances: ReadDocument[]; emails: ReadDocument[]; checkpoint: number | null }> => ({
    balances: await target.find(BALANCES, {}, { sort: [{ field: 'id', direction: 'asc' }] }),
    emails: await target.find(EMAILS, {}, { sort: [{ field: 'id', direction: 'asc' }] }),
    checkpoint: await target.getCheckpoint(NAME),
  });

  /** The store holds what one clean pass of the whole log into a fresh store gives. */
  const expectOnePassOfTheLog = async (): Promise<void> => {
    const clean = await open('clean.sqlite');
    try {
      await clean.runner.applyBatch(log);
      expect(await snapshot()).toEqual(await snapshot(clean.store));
    } finally {
      await clean.store.close();
    }
  };

  const log: RecordedEvent[] = [
    at({ type: 'Deposited', data: { customerId: 'ada', amount: 10 } }, 1),
    at({ type: 'EmailChanged', data: { customerId: 'ada', email: 'ada@one.example' } }, 2),
    at({ type: 'Deposited', data: { customerId: 'bob', amount: 5 } }, 4),
    at({ type: 'Doubled', data: { customerId: 'ada' } }, 5),
    at({ type: 'Deposited', data: { customerId: 'ada', amount: 1 } }, 7),
    at({ type: 'EmailChanged', data: { customerId: 'ada', email: 'ada@two.example' } }, 8),
    at({ type: 'Doubled', data: { customerId: 'bob' } }, 9),
  ];

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-runner-'));
    ({ store, runner } = await open());
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('applies a batch: documents stamped with id and the last position, one checkpoint at the batch maximum', async () => {
    await runner.applyBatch(log);

    expect(await store.get<BalanceDocument>(BALANCES, 'ada')).toEqual({
      id: 'ada',
      lastPosition: 8,
      customerId: 'ada',
      balance: 21,
      email: 'ada@two.example',
      history: [1, 2, 5, 7, 8],
    });
    expect(await store.get<BalanceDocument>(BALANCES, 'bob')).toEqual({
      id: 'bob',
      lastPosition: 9,
      customerId: 'bob',
      balance: 10,
      email: null,
      history: [4, 9],
    });
    expect(await runner.checkpoint()).toBe(9);
    expect(runner.position).toBe(9);
  });

  it('applies events in batch order, each seeing the changes of the earlier ones', async () => {
    const ada = (amount: number, position: number): RecordedEvent => at({ type: 'Deposited', data: { customerId: 'ada', amount } }, position);
    await runner.applyBatch([ada(10, 1), at({ type: 'Doubled', data: { customerId: 'ada' } }, 2), ada(1, 3)]);
    expect((await store.get<BalanceDocument>(BALANCES, 'ada'))?.balance).toBe(21);

    const other = await open('other.sqlite');
    try {
      await other.runner.applyBatch([ada(10, 1), ada(1, 2), at({ type: 'Doubled', data: { customerId: 'ada' } }, 3)]);
      expect((await other.store.get<BalanceDocument>(BALANCES, 'ada'))?.balance).toBe(22);
    } finally {
      await other.store.close();
    }
  });

  it('a redelivered batch is a no-op: documents and checkpoint unchanged', async () => {
    await runner.applyBatch(log);
    const before = await snapshot();

    await runner.applyBatch(log);

    expect(await snapshot()).toEqual(before);
  });

  it('an overlapping redelivery applies only what each document lacks, and ends where one clean pass ends', async () => {
    await runner.applyBatch(log.slice(0, 4));
    await runner.applyBatch(log.slice(2));

    await expectOnePassOfTheLog();
  });

  // Found by the pipeline-recovery e2e (a fresh-clone CI run, 2026-12-04): after a broker outage the
  // relay publishes again what it could not confirm, and the projector fetched both copies of an event
  // in one batch; the redelivery check looked only at the stored documents, so the event counted twice.
  it.each([
    ['right after it', (events: RecordedEvent[]) => [...events.slice(0, 3), events[2], ...events.slice(3)]],
    ['after later events (a re-sent run of several)', (events: RecordedEvent[]) => [...events.slice(0, 5), ...events.slice(2, 5), ...events.slice(5)]],
    ['twice over, in a batch that also redelivers stored events', (events: RecordedEvent[]) => [...events, ...events, ...events.slice(3)]],
  ])('an event delivered again within one batch (%s) counts once, as one clean pass does', async (_how, deliver) => {
    await runner.applyBatch(deliver(log));

    await expectOnePassOfTheLog();
  });

  it('a redelivered batch in a new process (same store) is also a no-op', async () => {
    await runner.applyBatch(log);
    const before = await snapshot();
    await store.close();

    ({ store, runner } = await open());
    expect(runner.position).toBe(9);
    await runner.applyBatch(log.slice(3));

    expect(await snapshot()).toEqual(before);
  });

  it('writes blind changes (documents the projection did not declare) under the position guard', async () => {
    await runner.applyBatch(log.slice(0, 2));
    expect(await store.get(EMAILS, 'ada@one.example')).toEqual({ id: 'ada@one.example', lastPosition: 2, customerId: 'ada' });

    await runner.applyBatch(log.slice(2));
    expect(await store.get(EMAILS, 'ada@one.example')).toBeNull();
    expect(await store.get(EMAILS, 'ada@two.example')).toEqual({ id: 'ada@two.example', lastPosition: 8, customerId: 'ada' });

    // A newer lookup document is not overwritten by a stale blind write.
    await store.applyBatch([{ kind: 'upsert', collection: EMAILS, doc: { id: 'eve@example', lastPosition: 50, customerId: 'eve' } }]);
    await runner.applyBatch([at({ type: 'EmailChanged', data: { customerId: 'zed', email: 'eve@example' } }, 20)]);
    expect(await store.get(EMAILS, 'eve@example')).toEqual({ id: 'eve@example', lastPosition: 50, customerId: 'eve' });
  });

  it('keeps only the final version of each document: one write per document per batch', async () => {
    const applied: number[] = [];
    const original = store.applyBatch.bind(store);
    jest.spyOn(store, 'applyBatch').mockImplementation(async (writes, checkpoint) => {
      applied.push(writes.length);
      return original(writes, checkpoint);
    });
    await runner.applyBatch(log);
    // ada, bob, and the two email keys (the first one as its delete).
    expect(applied).toEqual([4]);
  });

  it('lets two projections touch the same document for the same event', async () => {
    const counting: Projection = {
      name: 'counter',
      collections: [{ name: 'ledgerCounts', indexes: [] }],
      touches: (event) => [{ collection: 'ledgerCounts', id: 'all' }, { collection: BALANCES, id: (event.data as { customerId: string }).customerId }],
      apply: (event, view) => [
        {
          collection: 'ledgerCounts',
          id: 'all',
          // Reads the balance as the ledger projection left it for this very event.
          doc: { events: (view.get<ReadDocument & { events: number }>('ledgerCounts', 'all')?.events ?? 0) + 1, lastBalance: view.get<BalanceDocument>(BALANCES, (event.data as { customerId: string }).customerId)?.balance ?? null },
        },
      ],
    };
    const both = new ProjectorRunner(store, [ledgerProjection(), counting], { name: 'both' });
    await both.start();
    await both.applyBatch(log);
    await both.applyBatch(log);

    expect(await store.get(BALANCES, 'ada')).toMatchObject({ balance: 21, history: [1, 2, 5, 7, 8] });
    expect(await store.get('ledgerCounts', 'all')).toEqual({ id: 'all', lastPosition: 9, events: 7, lastBalance: 10 });
  });

  it('does not apply a projection to an event it touches nothing for, even when the batch holds the document it would change (a rebuild gave other figures than live)', async () => {
    // Counts deposits only: a Doubled touches nothing, and its apply would count it too if called.
    const deposits: Projection = {
      name: 'deposits',
      collections: [{ name: 'ledgerDeposits', indexes: [] }],
      touches: (event) => (event.type === 'Deposited' ? [{ collection: 'ledgerDeposits', id: (event.data as { customerId: string }).customerId }] : []),
      apply: (event, view) => {
        const id = (event.data as { customerId: string }).customerId;
        const current = view.get<ReadDocument & { count: number }>('ledgerDeposits', id);
        return current === undefined && event.type !== 'Deposited' ? [] : [{ collection: 'ledgerDeposits', id, doc: { count: (current?.count ?? 0) + 1 } }];
      },
    };
    const countsOf = async (target: SqliteReadStore) => (await target.find('ledgerDeposits', {}, { sort: [{ field: 'id', direction: 'asc' }] })).map((doc) => [doc.id, doc['count']]);
    const live = new ProjectorRunner(store, [deposits], { name: 'deposits-live' });
    await live.start();
    for (const event of log) await live.applyBatch([event]);
    const rebuilt = await open('rebuilt.sqlite');
    const oneBatch = new ProjectorRunner(rebuilt.store, [deposits], { name: 'deposits-rebuilt' });
    try {
      await oneBatch.start();
      await oneBatch.applyBatch(log);
      expect({ live: await countsOf(store), rebuilt: await countsOf(rebuilt.store) }).toEqual({ live: [['ada', 2], ['bob', 1]], rebuilt: [['ada', 2], ['bob', 1]] });
    } finally {
      await rebuilt.store.close();
    }
  });

  it('lets a projection read only what it declared for the event: a document the batch loaded for another projection reads as absent, as it would alone', async () => {
    // Reads the balance without declaring it: absent, in a batch of one event or of the whole log.
    const peek: Projection = {
      name: 'peek',
      collections: [{ name: 'ledgerPeeks', indexes: [] }],
      touches: (event) => [{ collection: 'ledgerPeeks', id: (event.data as { customerId: string }).customerId }],
      apply: (event, view) => {
        const id = (event.data as { customerId: string }).customerId;
        return [{ collection: 'ledgerPeeks', id, doc: { sawBalance: view.get<BalanceDocument>(BALANCES, id)?.balance ?? null } }];
      },
    };
    const peeksOf = async (target: SqliteReadStore) => (await target.find('ledgerPeeks', {}, { sort: [{ field: 'id', direction: 'asc' }] })).map((doc) => [doc.id, doc['sawBalance']]);
    const live = new ProjectorRunner(store, [ledgerProjection(), peek], { name: 'peek-live' });
    await live.start();
    for (const event of log) await live.applyBatch([event]);
    const rebuilt = await open('rebuilt.sqlite');
    const oneBatch = new ProjectorRunner(rebuilt.store, [ledgerProjection(), peek], { name: 'peek-rebuilt' });
    try {
      await oneBatch.start();
      await oneBatch.applyBatch(log);
      expect({ live: await peeksOf(store), rebuilt: await peeksOf(rebuilt.store) }).toEqual({ live: [['ada', null], ['bob', null]], rebuilt: [['ada', null], ['bob', null]] });
    } finally {
      await rebuilt.store.close();
    }
  });

  it('runs concurrent batches one after the other', async () => {
    await Promise.all([runner.applyBatch(log.slice(0, 3)), runner.applyBatch(log.slice(3))]);
    await expectOnePassOfTheLog();
  });

  describe('batches called without waiting (prepared while the one before is written)', () => {
    /** The store, with each applyBatch held until the test lets it through; `calls` says how many arrived. */
    const gated = () => {
      const held: { release: () => void; fail: (error: Error) => void }[] = [];
      const gate = Object.create(store) as SqliteReadStore & { calls: number };
      gate.calls = 0;
      gate.applyBatch = async (writes, checkpoint) => {
        gate.calls++;
        await new Promise<void>((release, fail) => held.push({ release, fail }));
        return store.applyBatch(writes, checkpoint);
      };
      return { gate, held };
    };
    const settledYet = async (promise: Promise<unknown>): Promise<boolean> => {
      let settled = false;
      promise.then(() => (settled = true), () => (settled = true));
      // Macrotask turns: the runner's prepare awaits the store's reads.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      return settled;
    };
    const projected: number[] = [];
    const counting = (): Projection => {
      const inner = ledgerProjection();
      return { ...inner, apply: (event, view) => (projected.push(event.position), inner.apply(event, view)) };
    };

    /** A runner on the held store, the log's two halves called without waiting (their outcomes caught). */
    const twoBatchesHeld = async () => {
      const { gate, held } = gated();
      const pipelined = new ProjectorRunner(gate, [counting()], { name: NAME });
      await pipelined.start();
      const first = pipelined.applyBatch(log.slice(0, 4)).catch((error: unknown) => error);
      const second = pipelined.applyBatch(log.slice(4)).catch((error: unknown) => error);
      return { gate, held, pipelined, first, second };
    };

    beforeEach(() => {
      projected.length = 0;
    });

    it('projects the next batch from the documents still being written, writes in order, and ends where one pass ends', async () => {
      const { gate, held } = gated();
      const pipelined = new ProjectorRunner(gate, [counting()], { name: NAME });
      await pipelined.start();
      const first = pipelined.applyBatch(log.slice(0, 4));
      const second = pipelined.applyBatch(log.slice(4));
      expect(await settledYet(first)).toBe(false);
      // The second batch is projected while the first is held in the store's write; its write waits.
      expect(projected).toEqual(log.map((event) => event.position));
      expect(gate.calls).toBe(1);
      expect(pipelined.position).toBe(0);
      held[0]?.release();
      await first;
      expect(pipelined.position).toBe(5);
      expect(await settledYet(second)).toBe(false);
      expect(gate.calls).toBe(2);
      held[1]?.release();
      await second;
      expect(pipelined.position).toBe(9);

      await expectOnePassOfTheLog();
    });

    it('fails the batches prepared on top of a failed write, writes none of them, refuses the next until started again, then builds from the store', async () => {
      const { gate, held, pipelined, first, second } = await twoBatchesHeld();
      expect(await settledYet(first)).toBe(false);
      held[0]?.fail(new Error('disk full'));
      expect(await first).toHaveProperty('message', 'disk full');
      expect(await second).toHaveProperty('message', 'disk full');
      expect(gate.calls).toBe(1);
      expect(await snapshot()).toEqual({ balances: [], emails: [], checkpoint: null });
      expect(pipelined.position).toBe(0);

      // Every later batch is refused (its events come after ones the store lacks) until start()
      // takes up the stored checkpoint again, as a restarted transport does.
      await expect(pipelined.applyBatch(log.slice(0, 1))).rejects.toThrow(/stopped after a failed write \(disk full\); start\(\) takes up its stored checkpoint/);
      expect(gate.calls).toBe(1);
      await pipelined.start();
      // The next batch then builds on the store (nothing of ada), not on the failed write's ada
      // (history 1, 2, 5), and its checkpoint is its own, not one of the failed batches'.
      const next = pipelined.applyBatch(log.slice(0, 1));
      expect(await settledYet(next)).toBe(false);
      held[1]?.release();
      await next;
      expect(await store.get<BalanceDocument>(BALANCES, 'ada')).toMatchObject({ history: [1], lastPosition: 1 });
      expect(await runner.checkpoint()).toBe(1);

      const again = [pipelined.applyBatch(log.slice(1, 4)), pipelined.applyBatch(log.slice(4))];
      expect(await settledYet(again[0] as Promise<void>)).toBe(false);
      held[2]?.release();
      expect(await settledYet(again[1] as Promise<void>)).toBe(false);
      held[3]?.release();
      await Promise.all(again);
      expect(await runner.checkpoint()).toBe(9);
      expect((await store.get<BalanceDocument>(BALANCES, 'ada'))?.history).toEqual([1, 2, 5, 7, 8]);
    });

    it('recover(): after a failed write, once what was called before settled, takes the batches handed over again, building on the store', async () => {
      const { held, pipelined, first, second } = await twoBatchesHeld();
      const recovered = pipelined.recover();
      expect(await settledYet(recovered)).toBe(false);
      held[0]?.fail(new Error('database is locked'));
      await recovered;
      expect(await first).toHaveProperty('message', 'database is locked');
      expect(await second).toHaveProperty('message', 'database is locked');

      // As a Kafka consumer does on its retry: both batches again, from where each stands.
      const again = [pipelined.applyBatch(log.slice(0, 4)), pipelined.applyBatch(log.slice(4))];
      expect(await settledYet(again[0] as Promise<void>)).toBe(false);
      held[1]?.release();
      expect(await settledYet(again[1] as Promise<void>)).toBe(false);
      held[2]?.release();
      await Promise.all(again);
      expect(pipelined.position).toBe(9);
      await expectOnePassOfTheLog();

      // With nothing failed it changes nothing: a batch in hand goes on, recover() waits for it.
      const late = pipelined.applyBatch([at({ type: 'Deposited', data: { customerId: 'bob', amount: 1 } }, 11)]);
      const idle = pipelined.recover();
      expect(await settledYet(idle)).toBe(false);
      held[3]?.release();
      await Promise.all([late, idle]);
      expect(await runner.checkpoint()).toBe(11);
    });
  });

  it('stores checkpoints given alongside in the batch\'s own write, after every batch before it; none of them when that write fails', async () => {
    const calls: { writes: number; checkpoints: unknown }[] = [];
    let failNext = false;
    const recording = Object.create(store) as SqliteReadStore;
    recording.applyBatch = async (writes, checkpoints) => {
      calls.push({ writes: writes.length, checkpoints });
      if (failNext) throw new Error('disk full');
      return store.applyBatch(writes, checkpoints);
    };
    const alongside = new ProjectorRunner(recording, [ledgerProjection()], { name: NAME });
    await alongside.start();
    await Promise.all([alongside.applyBatch(log.slice(0, 3)), alongside.applyBatch(log.slice(3), [{ name: 'ledger@partition-2', position: 9 }])]);
    expect(calls).toEqual([
      { writes: expect.any(Number), checkpoints: [{ name: NAME, position: 4 }] },
      { writes: expect.any(Number), checkpoints: [{ name: NAME, position: 9 }, { name: 'ledger@partition-2', position: 9 }] },
    ]);
    expect(calls[1]?.writes).toBeGreaterThan(0);
    expect(await store.getCheckpoint('ledger@partition-2')).toBe(9);

    // Checkpoints with no events: one write of them alone, after what came before.
    await alongside.applyBatch([], [{ name: 'ledger@partition-3', position: 9 }]);
    expect(calls[2]).toEqual({ writes: 0, checkpoints: [{ name: NAME, position: 9 }, { name: 'ledger@partition-3', position: 9 }] });
    expect(await store.getCheckpoint('ledger@partition-3')).toBe(9);

    failNext = true;
    await expect(alongside.applyBatch([at({ type: 'Deposited', data: { customerId: 'cy', amount: 1 } }, 12)], [{ name: 'ledger@partition-2', position: 12 }])).rejects.toThrow('disk full');
    expect(await store.getCheckpoint('ledger@partition-2')).toBe(9);
    expect(await store.getCheckpoint(NAME)).toBe(9);
  });

  it('an empty batch changes nothing', async () => {
    await runner.applyBatch([]);
    expect(await runner.checkpoint()).toBeNull();
    expect(runner.position).toBe(0);
  });

  describe('waitForPosition', () => {
    it('resolves true as soon as a batch reaches the position, not before', async () => {
      let outcome: boolean | undefined;
      const waiting = runner.waitForPosition(5, 10_000).then((reached) => (outcome = reached));

      await runner.applyBatch(log.slice(0, 3)); // up to 4
      expect(outcome).toBeUndefined();

      await runner.applyBatch(log.slice(3, 4)); // 5
      await waiting;
      expect(outcome).toBe(true);
    });

    it('resolves true at once for a position already applied, in this process or before it', async () => {
      await runner.applyBatch(log);
      await expect(runner.waitForPosition(9, 0)).resolves.toBe(true);
      await store.close();
      ({ store, runner } = await open());
      await expect(runner.waitForPosition(3, 0)).resolves.toBe(true);
    });

    it('resolves false when the timeout passes first', async () => {
      await runner.applyBatch(log.slice(0, 2));
      await expect(runner.waitForPosition(9, 20)).resolves.toBe(false);
      // A later batch still reaches it; the timed-out waiter is gone.
      await runner.applyBatch(log.slice(2));
      await expect(runner.waitForPosition(9, 20)).resolves.toBe(true);
    });
  });

  describe('onApplied', () => {
    it('hands each applied batch to the listeners until they unsubscribe; a failing listener fails nothing', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const seen: number[][] = [];
      const unsubscribe = runner.onApplied((events) => seen.push(events.map((event) => event.position)));
      runner.onApplied(() => {
        throw new Error('console went away');
      });

      await runner.applyBatch(log.slice(0, 2));
      unsubscribe();
      await runner.applyBatch(log.slice(2));

      expect(seen).toEqual([[1, 2]]);
      expect(await runner.checkpoint()).toBe(9);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('console went away'));
      warn.mockRestore();
    });
  });

  describe('documents found by a filter, and purging', () => {
    // Notes per customer, one document each; `Erased` rewrites every note of its customer (found by filter).
    const NOTES = 'runnerNotes';
    const notes: Projection = {
      name: 'notes',
      collections: [{ name: NOTES, indexes: [{ fields: [{ field: 'customerId', direction: 'asc' }] }] }],
      touches: (event) => (event.type === 'Noted' ? [{ collection: NOTES, id: event.eventId }] : []),
      touchesWhere: (event) => (event.type === 'Erased' ? [{ collection: NOTES, filter: { customerId: (event.data as { customerId: string }).customerId } }] : []),
      apply: (event, view) => {
        const data = event.data as { customerId: string; text?: string };
        if (event.type === 'Noted') return [{ collection: NOTES, id: event.eventId, doc: { customerId: data.customerId, text: data.text } }];
        if (event.type === 'Erased') return view.found<ReadDocument & { customerId: string }>(NOTES).map((doc) => ({ collection: NOTES, id: doc.id, doc: { customerId: doc.customerId, text: 'erased' } }));
        return [];
      },
    };
    const noted = (customerId: string, text: string, position: number) => ({ ...at({ type: 'Deposited', data: { customerId, amount: 0 } }, position), type: 'Noted', eventId: `n${position}`, data: { customerId, text } });
    const erased = (customerId: string, position: number) => ({ ...at({ type: 'Deposited', data: { customerId, amount: 0 } }, position), type: 'Erased', eventId: `e${position}`, data: { customerId } });

    it('finds what earlier events of the same batch wrote, rewrites only that customer, and purges before the position is reached', async () => {
      // Each purge with the position the runner had reached then: waiters must not hear of the erase before it.
      const purged: [string[], number][] = [];
      const purging = Object.create(store) as SqliteReadStore;
      purging.purge = async (collections) => {
        purged.push([[...collections], erasing.position]);
      };
      const erasing = new ProjectorRunner(purging, [notes], { name: 'notes', purge: { after: (event) => event.type === 'Erased', collections: [NOTES] } });
      await erasing.start();
      // Stored before the batch, written by the batch itself, another customer's, and one after the erase.
      await erasing.applyBatch([noted('ada', 'old', 1)]);
      await erasing.applyBatch([noted('ada', 'new', 2), noted('bob', 'kept', 3), erased('ada', 4), noted('ada', 'late', 5)]);
      const texts = (await store.find<ReadDocument & { text: string }>(NOTES, {}, { sort: [{ field: 'id', direction: 'asc' }] })).map((doc) => `${doc.id}:${doc.text}:${doc.lastPosition}`);
      expect(texts).toEqual(['n1:erased:4', 'n2:erased:4', 'n3:kept:3', 'n5:late:5']);
      expect(purged.map(([collections, position]) => [collections, position < 4])).toEqual([[[NOTES], true]]);
      // Checkpoints other processes wait on (a partition's watermark) follow the purge, in a write of their own.
      purging.purge = async (collections) => {
        purged.push([[...collections], (await store.getCheckpoint('notes@partition-0')) ?? 0]);
      };
      await erasing.applyBatch([noted('bob', 'more', 6), erased('bob', 7)], [{ name: 'notes@partition-0', position: 7 }]);
      expect(purged[1]).toEqual([[NOTES], 0]);
      expect(await store.getCheckpoint('notes@partition-0')).toBe(7);
      // Redelivered, the erase finds every note already past it: nothing is rewritten.
      await erasing.applyBatch([erased('ada', 4)]);
      expect((await store.get<ReadDocument>(NOTES, 'n1'))?.lastPosition).toBe(4);
      expect((await store.get<ReadDocument>(NOTES, 'n5'))?.lastPosition).toBe(5);
    });
  });
});
