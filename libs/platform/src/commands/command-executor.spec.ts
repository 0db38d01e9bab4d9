// The CommandExecutor on a real SqliteEventStore, with a small account decider: which executions
// write, which are answered as retries, and which are refused, sequentially and concurrently.
import { EventLoopTurnCounter } from '../testing/event-loop-turn-counter';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError, DomainErrorCode, refuse, type Decider } from '@app/event-sourcing';
import { CodecEventStore, DuplicateEventIdError, SqliteEventStore, WrongExpectedRevisionError } from '@app/event-store';
import { toProblem } from '../errors/problem.filter';
import type { CommandContext, CommandOutcome } from './command-context';
import fc from 'fast-check';
import { CommandExecutor, type CommandField, type CommandRun, type StreamCommand } from './command-executor';

type AccountCommand =
  | { type: 'Open'; customerId: string; owner: string }
  | { type: 'Deposit'; customerId: string; depositId: string; amount: number; at: string }
  | { type: 'Note'; customerId: string; text: string }
  | { type: 'Touch'; customerId: string };
type AccountEvent =
  | { type: 'Opened'; data: { customerId: string; owner: string } }
  | { type: 'Deposited'; data: { customerId: string; depositId: string; amount: number; at: string } }
  | { type: 'Noted'; data: { customerId: string; text: string } };
interface AccountState {
  readonly opened: boolean;
  readonly deposits: Readonly<Record<string, number>>;
}

/** Opening is once per stream; a deposit is once per depositId (the same amount again changes nothing); notes always add. */
const account: Decider<AccountCommand, AccountState, AccountEvent> = {
  initialState: () => ({ opened: false, deposits: {} }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'Opened':
        return { ...state, opened: true };
      case 'Deposited':
        return { ...state, deposits: { ...state.deposits, [event.data.depositId]: event.data.amount } };
      default:
        return state;
    }
  },
  decide: (command, state) => {
    switch (command.type) {
      case 'Open':
        if (state.opened) throw refuse.alreadyExists('The account is already open', 'owner');
        return [{ type: 'Opened', data: { customerId: command.customerId, owner: command.owner } }];
      case 'Deposit': {
        const earlier = state.deposits[command.depositId];
        if (earlier === command.amount) return [];
        if (earlier !== undefined) throw refuse.alreadyExists(`Deposit ${command.depositId} was ${earlier}`, 'depositId');
        // The business time is part of the event: a retry decided later differs in it.
        return [{ type: 'Deposited', data: { customerId: command.customerId, depositId: command.depositId, amount: command.amount, at: command.at } }];
      }
      case 'Note':
        return [{ type: 'Noted', data: { customerId: command.customerId, text: command.text } }];
      case 'Touch':
        return [];
    }
  },
};

const context = (overrides: Partial<CommandContext> = {}): CommandContext => ({
  actor: { type: 'service', id: 'spec' },
  source: 'spec',
  correlationId: `corr-${Math.random()}`,
  causationId: null,
  occurredAt: '2026-05-01T00:00:00.000Z',
  ...overrides,
});

const C = 'c-1';

describe('CommandExecutor', () => {
  let directory: string;
  let store: SqliteEventStore;
  let executor: CommandExecutor;
  let stream = 0;
  let streamId: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-executor-'));
    store = new SqliteEventStore(join(directory, 'events.sqlite'));
    executor = new CommandExecutor(store);
    stream += 1;
    streamId = `account-${stream}`;
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const run = (command: AccountCommand, naturalKey?: string, ctx: CommandContext = context()): Promise<CommandOutcome> => {
    const request: StreamCommand<AccountCommand, AccountState, AccountEvent> = { streamId, decider: account, command, ...(naturalKey !== undefined ? { naturalKey } : {}) };
    return executor.execute(request, ctx);
  };
  const open = (owner: string, ctx?: CommandContext) => run({ type: 'Open', customerId: C, owner }, 'open', ctx);
  const deposit = (amount: number, at: string) => run({ type: 'Deposit', customerId: C, depositId: 'd-1', amount, at }, 'deposit:d-1');
  const note = (text: string, ctx: CommandContext) => run({ type: 'Note', customerId: C, text }, undefined, ctx);
  const claimed = (key: string, apiKeyId = 'key-a', item?: number) => context({ idempotency: { apiKeyId, key, ...(item !== undefined ? { item } : {}) } });
  const settle = async (attempts: Promise<CommandOutcome>[]) => {
    const results = await Promise.allSettled(attempts);
    return {
      answered: results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
      refused: results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : [])),
    };
  };
  const sameResult = (outcome: CommandOutcome) => ({ streamId: outcome.streamId, eventIds: outcome.eventIds, revision: outcome.revision, position: outcome.position });

  describe('under a natural key', () => {
    it('answers a retry of the same command with the first result, replayed, and writes once', async () => {
      const first = await open('Ada');
      const again = await open('Ada');
      expect(first).toMatchObject({ replayed: false, changed: true, revision: 0 });
      expect(again).toEqual({ ...first, replayed: true });
      expect(await store.readStream(streamId)).toHaveLength(1);
    });

    it('refuses the same natural key with a different command (the decider says why)', async () => {
      await open('Ada');
      await expect(open('Bob')).rejects.toMatchObject({ code: DomainErrorCode.AlreadyExists, field: 'owner' });
      expect((await store.readStream(streamId)).map((event) => event.data)).toEqual([{ customerId: C, owner: 'Ada' }]);
    });

    it('answers a retry whose events would differ only in what the decider derives from the time with the first result', async () => {
      // The bug this guards against: the retry was answered `eventIds: []`, `replayed: false`.
      const first = await deposit(100, '2026-05-01T10:00:00.000Z');
      const again = await deposit(100, '2026-05-01T10:00:07.000Z');
      expect(again).toEqual({ ...first, replayed: true });
      expect(again.eventIds).toHaveLength(1);
      await expect(deposit(200, '2026-05-01T10:00:09.000Z')).rejects.toMatchObject({ code: DomainErrorCode.AlreadyExists, field: 'depositId' });
      expect(await store.readStream(streamId)).toHaveLength(1);
    });

    it('20 concurrent executions of the same command: one writes and answers replayed false, the others its result replayed', async () => {
      const { answered, refused } = await settle(Array.from({ length: 20 }, () => open('Ada')));
      expect(refused).toEqual([]);
      expect(answered.filter((outcome) => !outcome.replayed)).toHaveLength(1);
      expect(answered.map(sameResult)).toEqual(answered.map(() => sameResult(answered[0])));
      expect(await store.readStream(streamId)).toHaveLength(1);
    });

    it('20 concurrent executions with different bodies: one is written, every other is refused or (same body) replayed', async () => {
      const owners = Array.from({ length: 20 }, (_, index) => `owner-${index % 7}`);
      const { answered, refused } = await settle(owners.map((owner) => open(owner)));
      const stored = await store.readStream(streamId);
      expect(stored).toHaveLength(1);
      const winner = (stored[0].data as { owner: string }).owner;
      expect(answered.filter((outcome) => !outcome.replayed)).toHaveLength(1);
      expect(answered.map(sameResult)).toEqual(answered.map(() => ({ streamId, eventIds: [stored[0].eventId], revision: 0, position: stored[0].position })));
      expect(answered).toHaveLength(owners.filter((owner) => owner === winner).length);
      for (const refusal of refused) expect(refusal).toMatchObject({ code: DomainErrorCode.AlreadyExists });
    });

    it('10 concurrent deposits decided at different times: one writes, the others are its retries', async () => {
      await open('Ada');
      const { answered, refused } = await settle(Array.from({ length: 10 }, (_, index) => deposit(100, `2026-05-01T10:00:0${index}.000Z`)));
      expect(refused).toEqual([]);
      expect(answered.filter((outcome) => !outcome.replayed)).toHaveLength(1);
      expect(answered.map(sameResult)).toEqual(answered.map(() => sameResult(answered[0])));
      expect((await store.readStream(streamId)).filter((event) => event.type === 'Deposited')).toHaveLength(1);
    });

    it('a natural key wins over an Idempotency-Key: the same fact under two keys is one event', async () => {
      const first = await open('Ada', claimed('k-1'));
      const again = await open('Ada', claimed('k-2', 'key-b'));
      expect(again).toEqual({ ...first, replayed: true });
      expect((await store.readStream(streamId))[0].metadata.idempotencyKey).toBe('k-1');
    });
  });

  describe('under an Idempotency-Key (no natural key)', () => {
    it('a run of the claimed request finds the events an earlier run wrote and answers them, replayed', async () => {
      // As after a crash between the append and the recorded answer: the key's holder runs it again.
      const first = await note('call back tomorrow', claimed('k-1'));
      const again = await note('call back tomorrow', claimed('k-1'));
      expect(again).toEqual({ ...first, replayed: true });
      expect(await store.readStream(streamId)).toHaveLength(1);
    });

    it('keys are per API key, and each batch item is its own command', async () => {
      const ids = [
        (await note('a', claimed('k-1', 'key-a'))).eventIds[0],
        (await note('a', claimed('k-1', 'key-b'))).eventIds[0],
        (await note('a', claimed('k-1', 'key-a', 0))).eventIds[0],
        (await note('a', claimed('k-1', 'key-a', 1))).eventIds[0],
      ];
      expect(new Set(ids).size).toBe(4);
      expect((await store.readStream(streamId)).map((event) => event.metadata.idempotencyKey)).toEqual(['k-1', 'k-1', 'k-1#0', 'k-1#1']);
    });

    it('10 concurrent runs of one claimed request write once; the others answer its result, replayed', async () => {
      const { answered, refused } = await settle(Array.from({ length: 10 }, () => note('once', claimed('k-9'))));
      expect(refused).toEqual([]);
      expect(answered.filter((outcome) => !outcome.replayed)).toHaveLength(1);
      expect(answered.map(sameResult)).toEqual(answered.map(() => sameResult(answered[0])));
      expect(await store.readStream(streamId)).toHaveLength(1);
    });
  });

  describe('without a key', () => {
    it('appends every time: repeated facts are real facts', async () => {
      const first = await note('hello', context());
      const second = await note('hello', context());
      expect(second.eventIds).not.toEqual(first.eventIds);
      expect([first.replayed, second.replayed]).toEqual([false, false]);
      expect(await store.readStream(streamId)).toHaveLength(2);
    });

    it('answers a command that changes nothing with changed false and no events', async () => {
      await open('Ada');
      expect(await run({ type: 'Touch', customerId: C })).toEqual({ streamId, eventIds: [], revision: 0, position: expect.any(Number), replayed: false, changed: false });
    });

    it('passes the decider\'s refusal through', async () => {
      await open('Ada');
      await expect(open('Ada', context())).resolves.toMatchObject({ replayed: true });
      await expect(run({ type: 'Open', customerId: C, owner: 'Eve' })).rejects.toBeInstanceOf(DomainError);
    });
  });
  describe('on a chronological stream', () => {
    const at = (occurredAt: string) => context({ occurredAt });
    const chronological = (command: AccountCommand, ctx: CommandContext) =>
      executor.execute({ streamId, decider: account, command, chronological: true }, ctx);

    it('refuses an event dated before the latest one of the stream (422 occurredAt) and writes nothing', async () => {
      await chronological({ type: 'Open', customerId: C, owner: 'Ada' }, at('2026-05-01T12:00:00.000Z'));
      await expect(chronological({ type: 'Note', customerId: C, text: 'early' }, at('2026-05-01T11:59:59.999Z'))).rejects.toMatchObject({
        code: DomainErrorCode.RuleViolated,
        field: 'occurredAt',
      });
      expect(await store.readStream(streamId)).toHaveLength(1);
    });

    it('accepts the same instant and later ones, whatever offset the latest was written with', async () => {
      await chronological({ type: 'Open', customerId: C, owner: 'Ada' }, at('2026-05-01T14:00:00+02:00'));
      await chronological({ type: 'Note', customerId: C, text: 'same instant' }, at('2026-05-01T12:00:00.000Z'));
      await chronological({ type: 'Note', customerId: C, text: 'later' }, at('2026-05-01T12:00:01.000Z'));
      expect(await store.readStream(streamId)).toHaveLength(3);
    });

    it('records a command whose time the server assigned (no occurredAt sent) at the latest time when that lies ahead of it, instead of refusing it', async () => {
      // A client clock running ahead put the ticket's opening a few minutes past now; a reply sent
      // without a time must not be refused for being "before" it.
      await chronological({ type: 'Open', customerId: C, owner: 'Ada' }, at('2026-05-01T12:04:00.000Z'));
      const assigned = context({ occurredAt: '2026-05-01T12:00:00.000Z', occurredAtAssigned: true });
      await expect(chronological({ type: 'Note', customerId: C, text: 'no time sent' }, assigned)).resolves.toMatchObject({ changed: true });
      await chronological({ type: 'Note', customerId: C, text: 'later, no time sent' }, context({ occurredAt: '2026-05-01T12:05:00.000Z', occurredAtAssigned: true }));
      expect((await store.readStream(streamId)).map((event) => event.metadata.occurredAt)).toEqual(['2026-05-01T12:04:00.000Z', '2026-05-01T12:04:00.000Z', '2026-05-01T12:05:00.000Z']);
      // The same time sent by the client is still refused: it said when, and it is before.
      await expect(chronological({ type: 'Note', customerId: C, text: 'early' }, at('2026-05-01T12:00:00.000Z'))).rejects.toMatchObject({ field: 'occurredAt' });
    });

    it('checks nothing when the command records nothing', async () => {
      await chronological({ type: 'Open', customerId: C, owner: 'Ada' }, at('2026-05-01T12:00:00.000Z'));
      await expect(chronological({ type: 'Touch', customerId: C }, at('2020-01-01T00:00:00.000Z'))).resolves.toMatchObject({ changed: false });
    });

    it('lets streams that are not chronological take late facts', async () => {
      await open('Ada', at('2026-05-01T12:00:00.000Z'));
      await expect(note('late', at('2026-04-01T00:00:00.000Z'))).resolves.toMatchObject({ changed: true });
    });
  });

  describe('a stream another writer changes between every read and append', () => {
    /** Another writer adds a note to the stream after each read of it: every append of this executor is stale. */
    class ContendedStore extends SqliteEventStore {
      private interleaving = false;
      private readonly other = new CommandExecutor(this);

      override async readStream(...args: Parameters<SqliteEventStore['readStream']>) {
        const read = await super.readStream(...args);
        if (!this.interleaving) {
          this.interleaving = true;
          await this.other.execute({ streamId: args[0], decider: account, command: { type: 'Note', customerId: C, text: 'meanwhile' } }, context()).finally(() => (this.interleaving = false));
        }
        return read;
      }
    }

    it('gives up after its retries with a 409 CONFLICT naming the field that carries the stream\'s id (none when the command does not say)', async () => {
      const contended = new ContendedStore(join(directory, 'contended.sqlite'));
      try {
        const conflicting = (streamIdField?: CommandField<AccountCommand>) =>
          new CommandExecutor(contended)
            .execute({ streamId, decider: account, command: { type: 'Note', customerId: C, text: 'mine' }, ...(streamIdField !== undefined ? { streamIdField } : {}) }, context())
            .then(() => undefined, (error: unknown) => error);

        const named = await conflicting('customerId');
        expect(named).toBeInstanceOf(WrongExpectedRevisionError);
        const detail = (named as Error).message;
        expect(toProblem(named)).toEqual({ type: 'about:blank', title: 'Conflict', status: 409, detail, code: 'CONFLICT', errors: [{ field: 'customerId', message: detail }] });
        const unnamed = await conflicting();
        expect(toProblem(unnamed)).toEqual({ type: 'about:blank', title: 'Conflict', status: 409, detail: (unnamed as Error).message, code: 'CONFLICT' });
        expect((await contended.readStream(streamId)).map((event) => (event.data as { text: string }).text)).not.toContain('mine');
      } finally {
        await contended.close();
      }
    });

    it('gives up on an event id stored for something else with a 409 DUPLICATE_EVENT_ID naming what the id derives from: the Idempotency-Key, or the natural id', async () => {
      /** Every append finds its first event id taken by another write (as after a key reused for another request). */
      class TakenIds extends SqliteEventStore {
        override async append(streamId: string, events: Parameters<SqliteEventStore['append']>[1]): ReturnType<SqliteEventStore['append']> {
          throw new DuplicateEventIdError(events[0].eventId, streamId);
        }
      }
      const taken = new TakenIds(join(directory, 'taken.sqlite'));
      try {
        const refused = (naturalKey?: string) =>
          new CommandExecutor(taken)
            .execute(
              { streamId, decider: account, command: { type: 'Note', customerId: C, text: 'mine' }, streamIdField: 'customerId', ...(naturalKey !== undefined ? { naturalKey } : {}) },
              context({ idempotency: { apiKeyId: 'key-1', key: 'k-1' } }),
            )
            .then(() => undefined, (error: unknown) => error);
        for (const [naturalKey, field] of [[undefined, 'Idempotency-Key'], ['n-1', 'customerId']] as const) {
          const problem = toProblem(await refused(naturalKey));
          expect(problem).toMatchObject({ status: 409, code: 'DUPLICATE_EVENT_ID', errors: [{ field, message: problem.detail }] });
          expect(problem.detail).toContain(`${field} was already used for another request`);
        }
      } finally {
        await taken.close();
      }
    });
  });
});

describe('CommandExecutor on generated histories: batches (executeMany), and commands that open their stream', () => {
  const directories: string[] = [];
  const stores: SqliteEventStore[] = [];
  const fresh = <T extends SqliteEventStore>(make: (file: string) => T = (file) => new SqliteEventStore(file) as T): T => {
    const directory = mkdtempSync(join(tmpdir(), 'chronicle-executor-batch-'));
    directories.push(directory);
    const opened = make(join(directory, 'events.sqlite'));
    stores.push(opened);
    return opened;
  };

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((opened) => opened.close()));
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  type Run = { stream: number; command: AccountCommand; chronological: boolean; key?: number; occurredAt: string; assigned: boolean };
  const request = ({ stream, command, chronological }: Run): StreamCommand<AccountCommand, AccountState, AccountEvent> => ({
    streamId: `account-${stream}`,
    decider: account,
    command,
    chronological,
    ...(command.type === 'Open' ? { naturalKey: 'open' } : command.type === 'Deposit' ? { naturalKey: `deposit:${command.depositId}` } : {}),
  });
  // Deterministic but for the ids of commands without a key (random by design): compared apart.
  const runContext = (run: Run, index: number): CommandContext =>
    context({ correlationId: `corr-${index}`, occurredAt: run.occurredAt, ...(run.assigned ? { occurredAtAssigned: true as const } : {}), ...(run.key !== undefined ? { idempotency: { apiKeyId: 'key-a', key: `k-${run.key}`, item: index } } : {}) });
  const shape = (settled: PromiseSettledResult<CommandOutcome>) =>
    settled.status === 'fulfilled'
      ? { ...settled.value, eventIds: settled.value.eventIds.length }
      : { refused: (settled.reason as Error).constructor.name, code: (settled.reason as DomainError).code, field: (settled.reason as DomainError).field };
  const contents = async (store: SqliteEventStore, streams: number) =>
    [...(await store.readStreams(Array.from({ length: streams }, (_, stream) => `account-${stream}`)))].map(([id, events]) => [
      id,
      events.map((event) => ({ revision: event.revision, position: event.position, type: event.type, data: event.data, metadata: event.metadata })),
    ]);

  const runs = fc.array(
    fc.record({
      stream: fc.integer({ min: 0, max: 2 }),
      command: fc.oneof(
        fc.record({ type: fc.constant('Open' as const), customerId: fc.constant(C), owner: fc.constantFrom('Ada', 'Eve') }),
        fc.record({ type: fc.constant('Deposit' as const), customerId: fc.constant(C), depositId: fc.constantFrom('d-1', 'd-2'), amount: fc.constantFrom(100, 200), at: fc.constant('t') }),
        fc.record({ type: fc.constant('Note' as const), customerId: fc.constant(C), text: fc.constantFrom('a', 'b') }),
        fc.record({ type: fc.constant('Touch' as const), customerId: fc.constant(C) }),
      ),
      chronological: fc.boolean(),
      key: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }),
      occurredAt: fc.constantFrom('2026-05-01T10:00:00.000Z', '2026-05-01T11:00:00.000Z', '2026-05-01T12:00:00.000Z'),
      assigned: fc.boolean(),
    }),
    { maxLength: 14 },
  );

  it('answers and writes what executing the same commands one after the other would, whatever the history', async () => {
    await fc.assert(
      fc.asyncProperty(runs, runs, async (before, batch) => {
        const [one, many] = [fresh(), fresh()];
        // The same history in both stores, then the batch: one by one, or at once.
        for (const store of [one, many]) {
          const executor = new CommandExecutor(store);
          for (const [index, run] of before.entries()) await executor.execute(request(run), runContext(run, 1000 + index)).catch(() => undefined);
        }
        const sequential: PromiseSettledResult<CommandOutcome>[] = [];
        const executor = new CommandExecutor(one);
        for (const [index, run] of batch.entries()) {
          sequential.push(await executor.execute(request(run), runContext(run, index)).then(
            (value): PromiseSettledResult<CommandOutcome> => ({ status: 'fulfilled', value }),
            (reason: unknown): PromiseSettledResult<CommandOutcome> => ({ status: 'rejected', reason }),
          ));
        }
        const batched = await new CommandExecutor(many).executeMany(batch.map((run, index) => ({ request: request(run), context: runContext(run, index) })));

        expect(batched.map(shape)).toEqual(sequential.map(shape));
        // Ids derived from a key are the same; those of keyless commands are random in both.
        batched.forEach((settled, index) => {
          const keyed = batch[index].key !== undefined || request(batch[index]).naturalKey !== undefined;
          if (keyed && settled.status === 'fulfilled') expect(settled.value.eventIds).toEqual((sequential[index] as PromiseFulfilledResult<CommandOutcome>).value.eventIds);
        });
        expect(await contents(many, 3)).toEqual(await contents(one, 3));
        await Promise.all([one, many].map((store) => store.close()));
      }),
      { numRuns: 50 },
    );
  }, 180_000);

  it('an item whose content the store refuses (a forgotten customer\'s personal data) gets that refusal alone, as on its own', async () => {
    const refusing = new CodecEventStore(fresh(), {
      encode: async (events) => {
        if (events.some((e) => e.metadata.customerId === 'c-gone')) throw refuse.invalidState('Customer c-gone was forgotten', 'customerId');
        return events;
      },
      decode: async (events) => events,
    });
    const note = (stream: number, customerId: string): CommandRun<AccountCommand, AccountState, AccountEvent> => ({
      request: { streamId: `account-${stream}`, decider: account, command: { type: 'Note', customerId, text: 'x' } },
      context: context(),
    });

    const settled = await new CommandExecutor(refusing).executeMany([note(0, C), note(1, 'c-gone'), note(1, C)]);

    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: DomainErrorCode.InvalidState, field: 'customerId' });
    expect((settled[2] as PromiseFulfilledResult<CommandOutcome>).value.revision).toBe(0);
    expect((await refusing.readStream('account-1')).map((event) => event.metadata.customerId)).toEqual([C]);
  });

  it('a command that opens its stream (opensStream, not read on its first try) answers and writes what it would after reading, whatever the history', async () => {
    // Deposits need an open account here, so a command can be refused on the stream taken as new
    // and accepted on the stream as it is.
    const guarded: Decider<AccountCommand, AccountState, AccountEvent> = {
      ...account,
      decide: (command, state) => {
        if (command.type === 'Deposit' && !state.opened) throw refuse.rule('Deposits need an open account', 'depositId');
        return account.decide(command, state);
      },
    };
    const reading = (run: Run) => ({ ...request(run), decider: guarded });
    // Any command may be marked: the mark is only a guess that the stream is new, right or wrong.
    const opening = (run: Run) => ({ ...reading(run), opensStream: true });
    await fc.assert(
      fc.asyncProperty(runs, runs, async (before, after) => {
        const [read, unread] = [fresh(), fresh()];
        for (const store of [read, unread]) {
          const executor = new CommandExecutor(store);
          for (const [index, run] of before.entries()) await executor.execute(reading(run), runContext(run, 1000 + index)).catch(() => undefined);
        }
        const outcomes = async (store: SqliteEventStore, requestOf: (run: Run) => StreamCommand<AccountCommand, AccountState, AccountEvent>) => {
          const executor = new CommandExecutor(store);
          const settled: PromiseSettledResult<CommandOutcome>[] = [];
          for (const [index, run] of after.entries()) {
            settled.push(await executor.execute(requestOf(run), runContext(run, index)).then(
              (value): PromiseSettledResult<CommandOutcome> => ({ status: 'fulfilled', value }),
              (reason: unknown): PromiseSettledResult<CommandOutcome> => ({ status: 'rejected', reason }),
            ));
          }
          return settled;
        };
        const [asRead, asOpened] = [await outcomes(read, reading), await outcomes(unread, opening)];

        expect(asOpened.map(shape)).toEqual(asRead.map(shape));
        asOpened.forEach((settled, index) => {
          const keyed = after[index].key !== undefined || request(after[index]).naturalKey !== undefined;
          if (keyed && settled.status === 'fulfilled') expect(settled.value.eventIds).toEqual((asRead[index] as PromiseFulfilledResult<CommandOutcome>).value.eventIds);
        });
        expect(await contents(unread, 3)).toEqual(await contents(read, 3));
        await Promise.all([read, unread].map((store) => store.close()));
      }),
      { numRuns: 50 },
    );
  }, 180_000);

  it('a command that opens its stream reads nothing when the stream is new, and reads it when the append finds it there', async () => {
    let reads = 0;
    class CountingStore extends SqliteEventStore {
      override async readStream(...args: Parameters<SqliteEventStore['readStream']>) {
        reads += 1;
        return super.readStream(...args);
      }
    }
    const store = fresh((file) => new CountingStore(file));
    const executor = new CommandExecutor(store);
    const open = (owner: string) =>
      executor.execute({ streamId: 'account-0', decider: account, command: { type: 'Open', customerId: C, owner }, naturalKey: 'open', opensStream: true }, context());

    const first = await open('Ada');
    expect([first.replayed, first.revision, reads]).toEqual([false, 0, 0]);
    // A retry with the same events: the store answers it as the first run, unwritten, unread.
    expect(await open('Ada')).toEqual({ ...first, replayed: true });
    expect(reads).toBe(0);
    // Another command under the same key: the append is refused unwritten, the stream read, and the
    // command judged on it by the decider.
    await expect(open('Eve')).rejects.toMatchObject({ code: DomainErrorCode.AlreadyExists, field: 'owner' });
    expect(reads).toBe(1);
    expect((await store.readStream('account-0')).map((event) => event.data)).toEqual([{ customerId: C, owner: 'Ada' }]);
  });

  it('a retry of a command that opens its stream, through a codec whose stored data never compares equal (sealed personal values): answered as the first run', async () => {
    // Sealing draws a fresh IV each time: the store cannot tell the retry's events from the first's.
    const sealing = new CodecEventStore(fresh(), {
      encode: async (events) => events.map((event) => ({ ...event, data: { ...(event.data as object), sealedWith: Math.random() } })),
      decode: async (events) => events.map((event) => {
        const { sealedWith: _sealedWith, ...data } = event.data as Record<string, unknown>;
        return { ...event, data };
      }),
    });
    const executor = new CommandExecutor(sealing);
    const open = () => executor.execute({ streamId: 'account-0', decider: account, command: { type: 'Open', customerId: C, owner: 'Ada' }, naturalKey: 'open', opensStream: true }, context());

    const first = await open();
    const { answered, refused } = await Promise.allSettled(Array.from({ length: 10 }, open)).then((results) => ({
      answered: results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
      refused: results.filter((result) => result.status === 'rejected'),
    }));
    expect(refused).toEqual([]);
    expect(answered).toEqual(answered.map(() => ({ ...first, replayed: true })));
    expect(await sealing.readStream('account-0')).toHaveLength(1);
  });

  it('lets queued I/O through while it decides a long batch (a read arriving meanwhile waits one slice, not the whole batch)', async () => {
    const store = fresh();
    const loop = new EventLoopTurnCounter();
    const seen: number[] = [];
    const observed: Decider<AccountCommand, AccountState, AccountEvent> = { ...account, decide: (command, state) => (seen.push(loop.turns), account.decide(command, state)) };
    const runs = Array.from({ length: 50 }, (_, stream): CommandRun<AccountCommand, AccountState, AccountEvent> => ({
      request: { streamId: `account-${stream}`, decider: observed, command: { type: 'Note', customerId: C, text: 'x' } },
      context: context(),
    }));

    // turnMs 0: a turn before every decision (the default gives one every TURN_MS of work).
    const settled = await new CommandExecutor(store, undefined, { turnMs: 0 }).executeMany(runs);
    loop.stop();

    expect(settled.every((result) => result.status === 'fulfilled')).toBe(true);
    // Deciding all fifty in one synchronous go, every decision would see the same count.
    expect(new Set(seen).size).toBe(runs.length);
  });

  it('a stream another writer appends to between the read and the append: its commands run again, each written once', async () => {
    let interleave: (() => Promise<void>) | undefined;
    class InterleavedStore extends SqliteEventStore {
      override async readStreams(streamIds: readonly string[]) {
        const read = await super.readStreams(streamIds);
        const write = interleave;
        interleave = undefined;
        await write?.();
        return read;
      }
    }
    const store = fresh((file) => new InterleavedStore(file));
    const executor = new CommandExecutor(store);
    await executor.execute(request({ stream: 0, command: { type: 'Open', customerId: C, owner: 'Ada' }, chronological: false, occurredAt: '2026-05-01T10:00:00.000Z', assigned: false }), context());
    interleave = async () => {
      await executor.execute({ streamId: 'account-0', decider: account, command: { type: 'Note', customerId: C, text: 'meanwhile' } }, context());
    };
    const note = (stream: number, text: string): CommandRun<AccountCommand, AccountState, AccountEvent> => ({ request: { streamId: `account-${stream}`, decider: account, command: { type: 'Note', customerId: C, text } }, context: context() });

    const settled = await executor.executeMany([note(0, 'first'), note(1, 'elsewhere'), note(0, 'second')]);

    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const texts = (await store.readStream('account-0')).map((event) => (event.data as { text?: string }).text ?? event.type);
    expect(texts).toEqual(['Opened', 'meanwhile', 'first', 'second']);
    expect((settled[2] as PromiseFulfilledResult<CommandOutcome>).value.revision).toBe(3);
    expect(await store.readStream('account-1')).toHaveLength(1);
  });
});
