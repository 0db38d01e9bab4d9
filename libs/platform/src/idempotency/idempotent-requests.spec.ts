// IdempotentRequests over real SqliteIdempotencyKeys: one run per key and request, replays, waiting,
// the failure policy, and two "processes" (two connections) sharing one store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainErrorCode, FixedClock, refuse } from '@app/event-sourcing';
import { SqliteIdempotencyKeys, type RecordedAnswer } from '@app/event-store';
import { problemHeaders, toProblem } from '../errors/problem.filter';
import { IdempotentRequests, type IdempotentAnswer } from './idempotent-requests';

/** A run the test finishes when it wants to. */
class Gate {
  calls = 0;
  private pending: { resolve: (answer: RecordedAnswer) => void; reject: (error: unknown) => void }[] = [];
  private started: (() => void)[] = [];

  readonly execute = (): Promise<RecordedAnswer> => {
    this.calls += 1;
    for (const notify of this.started.splice(0)) notify();
    return new Promise<RecordedAnswer>((resolve, reject) => this.pending.push({ resolve, reject }));
  };

  /** Resolves once `count` runs have started. */
  runs(count: number): Promise<void> {
    if (this.calls >= count) return Promise.resolve();
    return new Promise<void>((resolve) => this.started.push(() => void this.runs(count).then(resolve)));
  }

  answer(answer: RecordedAnswer): void {
    this.pending.shift()?.resolve(answer);
  }

  fail(error: unknown): void {
    this.pending.shift()?.reject(error);
  }
}

const REF = { scope: 'api-key-1', key: 'order-42' };
const ANSWER: RecordedAnswer = { status: 201, body: { streamId: 'order-42', eventIds: ['e-1'], replayed: false } };

describe('IdempotentRequests', () => {
  let directory: string;
  let file: string;
  let clock: FixedClock;
  let keys: SqliteIdempotencyKeys[];
  let requests: IdempotentRequests;

  const connect = () => {
    const connection = new SqliteIdempotencyKeys(file, { clock });
    keys.push(connection);
    return connection;
  };

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-idempotent-'));
    file = join(directory, 'events.sqlite');
    clock = new FixedClock(new Date('2026-05-01T00:00:00.000Z'));
    keys = [];
    requests = new IdempotentRequests(connect());
  });

  afterEach(async () => {
    await Promise.all(keys.map((connection) => connection.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  /** The 409 problem a refused run answers: naming the Idempotency-Key, a code telling "wait" from "wrong key"; its detail. */
  const conflictOn = (error: unknown) => {
    const problem = toProblem(error);
    expect(problem).toMatchObject({ status: 409, errors: [{ field: 'Idempotency-Key' }] });
    const inProgress = /still in progress/.test(problem.detail);
    expect(problem.code).toBe(inProgress ? 'IDEMPOTENCY_IN_PROGRESS' : 'IDEMPOTENCY_KEY_REUSED');
    // Only a request still running may be sent again, and the client is told when.
    expect(problemHeaders(error, problem)).toEqual(inProgress ? { 'Retry-After': '1' } : {});
    return problem.detail;
  };

  it('20 concurrent same requests run once: one answer is the run\'s, 19 are its replay', async () => {
    const gate = new Gate();
    const answers = Array.from({ length: 20 }, () => requests.run(REF, 'fp-a', gate.execute));
    await gate.runs(1);
    gate.answer(ANSWER);
    const settled = await Promise.all(answers);
    expect(gate.calls).toBe(1);
    expect(settled.filter((answer) => !answer.replayed)).toHaveLength(1);
    expect(settled.map((answer) => answer.answer)).toEqual(settled.map(() => ANSWER));
    expect(await requests.run(REF, 'fp-a', gate.execute)).toEqual({ answer: ANSWER, replayed: true });
  });

  it('refuses a different request with the key, while it runs and once answered', async () => {
    const gate = new Gate();
    const first = requests.run(REF, 'fp-a', gate.execute);
    await gate.runs(1);
    expect(conflictOn(await requests.run(REF, 'fp-b', gate.execute).catch((error: unknown) => error))).toMatch(/different request/);
    gate.answer(ANSWER);
    await first;
    expect(conflictOn(await requests.run(REF, 'fp-b', gate.execute).catch((error: unknown) => error))).toMatch(/different request/);
    expect(gate.calls).toBe(1);
    // Another API key's key of the same name is another key.
    const other = new Gate();
    const elsewhere = requests.run({ ...REF, scope: 'api-key-2' }, 'fp-b', other.execute);
    await other.runs(1);
    other.answer({ status: 201, body: { other: true } });
    expect(await elsewhere).toEqual({ answer: { status: 201, body: { other: true } }, replayed: false });
  });

  it('a 4xx refusal frees the key: the waiting same request runs again, and a corrected request may use the key', async () => {
    const gate = new Gate();
    const first = requests.run(REF, 'fp-a', gate.execute);
    const waiting = requests.run(REF, 'fp-a', gate.execute);
    await gate.runs(1);
    gate.fail(refuse.notFound('Customer c-9 is not registered', 'customerId'));
    await expect(first).rejects.toMatchObject({ code: DomainErrorCode.NotFound });
    await gate.runs(2);
    gate.fail(refuse.notFound('Customer c-9 is not registered', 'customerId'));
    await expect(waiting).rejects.toMatchObject({ code: DomainErrorCode.NotFound });

    const corrected = requests.run(REF, 'fp-b', gate.execute);
    await gate.runs(3);
    gate.answer(ANSWER);
    expect(await corrected).toEqual({ answer: ANSWER, replayed: false });
  });

  it('an unexpected failure keeps the key bound to its request: only the same request runs again, at once', async () => {
    const gate = new Gate();
    const first = requests.run(REF, 'fp-a', gate.execute);
    const waiting = requests.run(REF, 'fp-a', gate.execute);
    await gate.runs(1);
    gate.fail(new Error('disk I/O error'));
    await expect(first).rejects.toThrow('disk I/O error');
    await gate.runs(2);
    expect(conflictOn(await requests.run(REF, 'fp-b', gate.execute).catch((error: unknown) => error))).toMatch(/different request/);
    gate.answer(ANSWER);
    expect(await waiting).toEqual({ answer: ANSWER, replayed: false });
    expect(gate.calls).toBe(2);
  });

  it('a crashed holder\'s key goes to the same request once its lease lapses', async () => {
    // A process that claimed the key and died: nobody completes it.
    const dead = await connect().claim(REF, 'fp-a', 30_000);
    expect(dead.outcome).toBe('acquired');
    const impatient = new IdempotentRequests(keys[0], { waitMs: 0 });
    expect(conflictOn(await impatient.run(REF, 'fp-a', new Gate().execute).catch((error: unknown) => error))).toMatch(/still in progress/);

    clock.advance(30_000);
    const gate = new Gate();
    const takeover = requests.run(REF, 'fp-a', gate.execute);
    await gate.runs(1);
    gate.answer(ANSWER);
    expect(await takeover).toEqual({ answer: ANSWER, replayed: false });
  });

  it('a request waiting in another process gets the answer once it is recorded', async () => {
    const otherProcess = new IdempotentRequests(connect());
    const gate = new Gate();
    const first = requests.run(REF, 'fp-a', gate.execute);
    await gate.runs(1);
    const waiting: Promise<IdempotentAnswer> = otherProcess.run(REF, 'fp-a', gate.execute);
    gate.answer(ANSWER);
    expect(await first).toEqual({ answer: ANSWER, replayed: false });
    expect(await waiting).toEqual({ answer: ANSWER, replayed: true });
    expect(gate.calls).toBe(1);
  });
});
