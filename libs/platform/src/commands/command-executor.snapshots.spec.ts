// The CommandExecutor with snapshots (Decider.snapshot, SNAPSHOT_EVERY) on a real SqliteEventStore
// and the SqliteSnapshotStore in the same file: a command reads only the events after the stream's
// snapshot, yet answers exactly what it answers without snapshots, retries under the snapshot
// included; a snapshot that does not fit is ignored, and one that cannot be written fails nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DomainError, DomainErrorCode, refuse, type Decider, type RecordedEvent } from '@app/event-sourcing';
import { CodecEventStore, SqliteEventStore, SqliteSnapshotStore, type EventStore, type Snapshot, type SnapshotStore } from '@app/event-store';
import type { CommandContext, CommandOutcome } from './command-context';
import { CommandExecutor, type StreamCommand } from './command-executor';

type AccountCommand =
  | { type: 'Open'; customerId: string; owner: string }
  | { type: 'Deposit'; customerId: string; depositId: string; amount: number }
  | { type: 'Note'; customerId: string; text: string }
  | { type: 'Touch'; customerId: string };
type AccountEvent =
  | { type: 'Opened'; data: { customerId: string; owner: string } }
  | { type: 'Deposited'; data: { customerId: string; depositId: string; amount: number } }
  | { type: 'Noted'; data: { customerId: string; text: string; number: number } };
/** A Map on purpose: a snapshot must bring it back as a Map (JSON alone would not). */
interface AccountState {
  readonly opened: boolean;
  readonly deposits: ReadonlyMap<string, number>;
  readonly notes: number;
}

/** Opening is once per stream; a deposit is once per depositId (the same amount again changes nothing), refused after many notes; notes are numbered. */
const account: Decider<AccountCommand, AccountState, AccountEvent> = {
  initialState: () => ({ opened: false, deposits: new Map(), notes: 0 }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'Opened':
        return { ...state, opened: true };
      case 'Deposited':
        return { ...state, deposits: new Map([...state.deposits, [event.data.depositId, event.data.amount]]) };
      case 'Noted':
        return { ...state, notes: state.notes + 1 };
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'Open':
        if (state.opened) throw refuse.alreadyExists('The account is already open', 'owner');
        return [{ type: 'Opened', data: { customerId: command.customerId, owner: command.owner } }];
      case 'Deposit': {
        const earlier = state.deposits.get(command.depositId);
        if (earlier === command.amount) return [];
        if (earlier !== undefined) throw refuse.alreadyExists(`Deposit ${command.depositId} was ${earlier}`, 'depositId');
        if (state.notes > 6) throw refuse.rule(`Too many notes (${state.notes}) to take deposit ${command.depositId}`, 'depositId');
        return [{ type: 'Deposited', data: { customerId: command.customerId, depositId: command.depositId, amount: command.amount } }];
      }
      case 'Note':
        // Numbered from the state, so any state a snapshot got wrong shows in the events.
        return [{ type: 'Noted', data: { customerId: command.customerId, text: command.text, number: state.notes + 1 } }];
      case 'Touch':
        if (!state.opened) throw refuse.invalidState('The account is not open', 'customerId');
        return [];
    }
  },
  snapshot: {
    version: 'account/1',
    encode: (state) => ({ opened: state.opened, deposits: [...state.deposits], notes: state.notes }),
    decode: (encoded) => {
      const { opened, deposits, notes } = encoded as { opened: boolean; deposits: [string, number][]; notes: number };
      if (typeof opened !== 'boolean' || !Array.isArray(deposits) || typeof notes !== 'number') throw new Error('not an account snapshot');
      return { opened, deposits: new Map(deposits), notes };
    },
  },
};

const C = 'c-1';
const context = (overrides: Partial<CommandContext> = {}): CommandContext => ({
  actor: { type: 'service', id: 'spec' },
  source: 'spec',
  correlationId: 'corr',
  causationId: null,
  occurredAt: '2026-05-01T10:00:00.000Z',
  ...overrides,
});
const settledOf = (promise: Promise<CommandOutcome>): Promise<PromiseSettledResult<CommandOutcome>> =>
  promise.then(
    (value): PromiseSettledResult<CommandOutcome> => ({ status: 'fulfilled', value }),
    (reason: unknown): PromiseSettledResult<CommandOutcome> => ({ status: 'rejected', reason }),
  );

describe('CommandExecutor with snapshots', () => {
  const directories: string[] = [];
  const closing: { close(): Promise<void> }[] = [];
  /** An event store and the snapshot store in its file, as the embedded default opens them. */
  const fresh = () => {
    const directory = mkdtempSync(join(tmpdir(), 'chronicle-executor-snapshots-'));
    directories.push(directory);
    const file = join(directory, 'events.sqlite');
    const events = new SqliteEventStore(file);
    const snapshots = new SqliteSnapshotStore(file);
    closing.push(snapshots, events);
    return { events, snapshots };
  };

  afterEach(async () => {
    for (const opened of closing.splice(0)) await opened.close();
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  const request = (streamId: string, command: AccountCommand, chronological = false): StreamCommand<AccountCommand, AccountState, AccountEvent> => ({
    streamId,
    decider: account,
    command,
    chronological,
    ...(command.type === 'Open' ? { naturalKey: 'open' } : command.type === 'Deposit' ? { naturalKey: `deposit:${command.depositId}` } : {}),
  });
  const note = (text: string): AccountCommand => ({ type: 'Note', customerId: C, text });
  const open: AccountCommand = { type: 'Open', customerId: C, owner: 'Ada' };
  const at = (occurredAt: string, overrides: Partial<CommandContext> = {}) => context({ occurredAt, ...overrides });

  /** Events the executor read through the store (decoded), counted: how much of a stream a command reads. */
  const counting = (inner: EventStore) => {
    const counter = { events: 0 };
    const store = new CodecEventStore(inner, {
      encode: async (events) => events,
      decode: async (events: readonly RecordedEvent[]) => {
        counter.events += events.length;
        return events;
      },
    });
    return { store, counter };
  };

  it('reads only the events after the snapshot, and answers as without it', async () => {
    const { events, snapshots } = fresh();
    const { store, counter } = counting(events);
    const executor = new CommandExecutor(store, undefined, { snapshots: { store: snapshots, every: 10 } });
    const plain = new CommandExecutor(events);
    await executor.execute(request('account-1', open), context());
    await executor.execute(request('account-1', { type: 'Deposit', customerId: C, depositId: 'd-1', amount: 5 }), context());
    for (let index = 0; index < 50; index++) {
      await executor.execute(request('account-1', note(`n${index}`)), context());
      await executor.snapshotsWritten();
    }
    const snapshot = (await snapshots.read(['account-1'])).get('account-1') as Snapshot;
    expect(snapshot.revision).toBeGreaterThanOrEqual(51 - 10);

    counter.events = 0;
    const answer = await executor.execute(request('account-1', note('last')), context());
    // The snapshot's own event (to confirm it) and those after it: never more than SNAPSHOT_EVERY + 1.
    expect(counter.events).toBeLessThanOrEqual(11);
    expect(answer).toMatchObject({ changed: true, revision: 52 });
    // The state behind it is the whole stream's: the deposit (in a Map) is there, and the notes counted.
    const deposit = (depositId: string, amount: number) => request('account-1', { type: 'Deposit', customerId: C, depositId, amount });
    await expect(executor.execute(deposit('d-1', 7), context())).rejects.toMatchObject({ code: DomainErrorCode.AlreadyExists, field: 'depositId' });
    await expect(executor.execute(deposit('d-2', 5), context())).rejects.toMatchObject({ code: DomainErrorCode.RuleViolated, message: expect.stringContaining('(51)') });
    await expect(plain.execute(deposit('d-2', 5), context())).rejects.toMatchObject({ code: DomainErrorCode.RuleViolated, message: expect.stringContaining('(51)') });
  });

  it('answers a retried command whose first run lies under the snapshot as replayed, with the original ids, alone and in a batch', async () => {
    const { events, snapshots } = fresh();
    const executor = new CommandExecutor(events, undefined, { snapshots: { store: snapshots, every: 2 } });
    const firstOpen = await executor.execute(request('account-1', open), context());
    const keyed = at('2026-05-01T10:00:00.000Z', { idempotency: { apiKeyId: 'key-a', key: 'note-once' } });
    const firstNote = await executor.execute(request('account-1', note('once')), keyed);
    for (let index = 0; index < 6; index++) {
      await executor.execute(request('account-1', note(`n${index}`)), context());
      await executor.snapshotsWritten();
    }
    expect((await snapshots.read(['account-1'])).get('account-1')?.revision).toBeGreaterThan(firstNote.revision as number);
    const head = await events.headPosition();

    await expect(executor.execute(request('account-1', open), context())).resolves.toEqual({ ...firstOpen, replayed: true });
    await expect(executor.execute(request('account-1', note('once')), keyed)).resolves.toEqual({ ...firstNote, replayed: true });
    const batch = await executor.executeMany([
      { request: request('account-1', note('once')), context: keyed },
      { request: request('account-1', open), context: context() },
      { request: request('account-1', { type: 'Open', customerId: C, owner: 'Eve' }), context: context() },
    ]);
    expect(batch[0]).toEqual({ status: 'fulfilled', value: { ...firstNote, replayed: true } });
    expect(batch[1]).toEqual({ status: 'fulfilled', value: { ...firstOpen, replayed: true } });
    // The same natural key for another command is still the domain's refusal.
    expect(batch[2]).toMatchObject({ status: 'rejected', reason: { code: DomainErrorCode.AlreadyExists, field: 'owner' } });
    expect(await events.readAll({ after: head })).toEqual([]);
  });

  it('still refuses a reply dated before an event under the snapshot in a chronological stream', async () => {
    const { events, snapshots } = fresh();
    const executor = new CommandExecutor(events, undefined, { snapshots: { store: snapshots, every: 3 } });
    await executor.execute(request('account-1', note('noon'), true), at('2026-05-01T12:00:00.000Z'));
    // Late facts through commands that do not ask for order: the latest business time stays noon, under the snapshot.
    for (let index = 0; index < 5; index++) {
      await executor.execute(request('account-1', note(`early ${index}`)), at('2026-05-01T09:00:00.000Z'));
      await executor.snapshotsWritten();
    }
    // Noon (revision 0) is under the snapshot; only 9:00 events come after it.
    expect((await snapshots.read(['account-1'])).get('account-1')?.revision).toBeGreaterThanOrEqual(1);

    const refusal = { code: DomainErrorCode.RuleViolated, field: 'occurredAt', message: expect.stringContaining('before Noted at 2026-05-01T12:00:00.000Z') };
    await expect(executor.execute(request('account-1', note('late'), true), at('2026-05-01T11:00:00.000Z'))).rejects.toMatchObject(refusal);
    const [batched] = await executor.executeMany([{ request: request('account-1', note('late'), true), context: at('2026-05-01T11:00:00.000Z') }]);
    expect(batched).toMatchObject({ status: 'rejected', reason: refusal });
    await expect(executor.execute(request('account-1', note('later'), true), at('2026-05-01T12:30:00.000Z'))).resolves.toMatchObject({ changed: true });
  });

  it('answers a command whose snapshot cannot be read or written, and says so', async () => {
    const { events, snapshots } = fresh();
    const failures: string[] = [];
    const broken: SnapshotStore = {
      read: async () => Promise.reject(new Error('snapshots unreadable')),
      write: async () => Promise.reject(new Error('disk full')),
      delete: (streamId) => snapshots.delete(streamId),
      close: async () => undefined,
    };
    const executor = new CommandExecutor(events, undefined, { snapshots: { store: broken, every: 1, onError: (error) => failures.push((error as Error).message) } });
    await executor.execute(request('account-1', open), context());
    const second = await executor.execute(request('account-1', note('a')), context());
    const batch = await executor.executeMany([{ request: request('account-1', note('b')), context: context() }]);
    await executor.snapshotsWritten();
    expect(second).toMatchObject({ changed: true, revision: 1 });
    expect(batch).toMatchObject([{ status: 'fulfilled', value: { revision: 2 } }]);
    expect(failures).toContain('snapshots unreadable');
    expect(failures).toContain('disk full');
    expect(await snapshots.read(['account-1'])).toEqual(new Map());
  });

  describe('answers and writes exactly what it would without snapshots (property)', () => {
    type Step =
      | { kind: 'one'; stream: number; command: AccountCommand; chronological: boolean; key?: number; occurredAt: string }
      | { kind: 'batch'; runs: { stream: number; command: AccountCommand; chronological: boolean; key?: number; occurredAt: string }[] }
      /** What may become of a stream's snapshot between commands: dropped, of an older version, beyond the stream (a rebuilt store), of another event, unreadable. */
      | { kind: 'tamper'; stream: number; how: 'drop' | 'stale-version' | 'beyond' | 'other-event' | 'unreadable' };

    const run = fc.record({
      stream: fc.integer({ min: 0, max: 1 }),
      command: fc.oneof(
        fc.record({ type: fc.constant('Open' as const), customerId: fc.constant(C), owner: fc.constantFrom('Ada', 'Eve') }),
        fc.record({ type: fc.constant('Deposit' as const), customerId: fc.constant(C), depositId: fc.constantFrom('d-1', 'd-2', 'd-3'), amount: fc.constantFrom(100, 200) }),
        fc.record({ type: fc.constant('Note' as const), customerId: fc.constant(C), text: fc.constantFrom('a', 'b') }),
        fc.record({ type: fc.constant('Touch' as const), customerId: fc.constant(C) }),
      ),
      chronological: fc.boolean(),
      key: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
      occurredAt: fc.constantFrom('2026-05-01T10:00:00.000Z', '2026-05-01T11:00:00.000Z', '2026-05-01T12:00:00.000Z'),
    });
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 6, arbitrary: run.map((one) => ({ kind: 'one' as const, ...one })) },
      { weight: 2, arbitrary: fc.array(run, { minLength: 1, maxLength: 5 }).map((runs) => ({ kind: 'batch' as const, runs })) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('tamper' as const),
          stream: fc.integer({ min: 0, max: 1 }),
          how: fc.constantFrom('drop' as const, 'stale-version' as const, 'beyond' as const, 'other-event' as const, 'unreadable' as const),
        }),
      },
    );

    const streamOf = (stream: number) => `account-${stream}`;
    // Keys are reused on purpose, so retries of earlier commands (under a snapshot or not) come up.
    const contextOf = (one: { key?: number; occurredAt: string }, index: number) =>
      at(one.occurredAt, { correlationId: `corr-${index}`, ...(one.key !== undefined ? { idempotency: { apiKeyId: 'key-a', key: `k-${one.key}` } } : {}) });
    const shape = (settled: PromiseSettledResult<CommandOutcome>) =>
      settled.status === 'fulfilled'
        ? settled.value
        : { refused: (settled.reason as Error).constructor.name, code: (settled.reason as DomainError).code, field: (settled.reason as DomainError).field, message: (settled.reason as Error).message };
    const contents = async (store: EventStore) =>
      [...(await store.readStreams([streamOf(0), streamOf(1)]))].map(([id, read]) => [id, read.map((event) => ({ ...event, eventId: undefined, recordedAt: undefined }))]);

    async function tamper(snapshots: SnapshotStore, streamId: string, how: Extract<Step, { kind: 'tamper' }>['how']): Promise<void> {
      const snapshot = (await snapshots.read([streamId])).get(streamId);
      if (snapshot === undefined) return;
      const data = snapshot.data as { state: unknown; eventId: string; latest: unknown };
      switch (how) {
        case 'drop':
          return snapshots.delete(streamId);
        case 'stale-version':
          return snapshots.write({ ...snapshot, version: 'account/0', data: { ...data, state: { opened: false, deposits: [], notes: 0 } } });
        case 'beyond':
          return snapshots.write({ ...snapshot, revision: snapshot.revision + 1000 });
        case 'other-event':
          return snapshots.write({ ...snapshot, data: { ...data, eventId: 'not-the-event', state: { opened: false, deposits: [], notes: 0 } } });
        case 'unreadable':
          return snapshots.write({ ...snapshot, data: { ...data, state: 'garbage' } });
      }
    }

    it('for random commands, batches, thresholds and snapshots dropped, stale or unreadable', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 40, size: "max" }), fc.integer({ min: 1, max: 4 }), async (steps, every) => {
          const without = fresh();
          const withSnapshots = fresh();
          const reference = new CommandExecutor(without.events);
          const executor = new CommandExecutor(withSnapshots.events, undefined, { snapshots: { store: withSnapshots.snapshots, every } });
          // Ids of keyless commands are random by design: compared by count.
          const comparable = (settled: PromiseSettledResult<CommandOutcome>, keyed: boolean) => {
            const shaped = shape(settled) as CommandOutcome;
            return settled.status === 'fulfilled' && !keyed ? { ...shaped, eventIds: shaped.eventIds.length } : shaped;
          };
          for (const [index, current] of steps.entries()) {
            if (current.kind === 'tamper') {
              await tamper(withSnapshots.snapshots, streamOf(current.stream), current.how);
              continue;
            }
            const runs = current.kind === 'one' ? [current] : current.runs;
            const keyed = runs.map((one) => one.key !== undefined || one.command.type !== 'Note');
            const commands = runs.map((one, item) => ({ request: request(streamOf(one.stream), one.command, one.chronological), context: contextOf(one, index * 10 + item) }));
            const [expected, actual] =
              current.kind === 'one'
                ? [[await settledOf(reference.execute(commands[0].request, commands[0].context))], [await settledOf(executor.execute(commands[0].request, commands[0].context))]]
                : [await reference.executeMany(commands), await executor.executeMany(commands)];
            await executor.snapshotsWritten();
            expect(actual.map((settled, item) => comparable(settled, keyed[item]))).toEqual(expected.map((settled, item) => comparable(settled, keyed[item])));
          }
          expect(await contents(withSnapshots.events)).toEqual(await contents(without.events));
        }),
        { numRuns: 60 },
      );
    }, 240_000);
  });
});
