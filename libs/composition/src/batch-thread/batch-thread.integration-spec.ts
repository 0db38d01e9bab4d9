// The all-in-one process's batch thread as the HTTP thread uses it (EMBEDDED_BATCHES=thread): a batch
// request runs in a thread of its own, at a lower CPU priority, on the same data folder, and is
// answered or refused exactly as on the HTTP thread; a thread that ends fails what it held and the
// next batch gets a new one.
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProblemException, toProblem, type BatchAnswer, type RequestContext } from '@app/platform';
import type { EventStore } from '@app/event-store';
import type { CachedKeyStore } from '@app/key-store';
import { checkConfiguration } from '../configuration';
import { openEventStore, openKeyStore } from '../engines';
import { BatchThread } from './batch-thread';

jest.setTimeout(120_000);

const ctx: RequestContext = { actor: { type: 'service', id: 'batch-spec', name: 'batch spec', role: 'ingest' }, source: 'batch-spec', correlationId: 'corr-1', causationId: null };
const registration = (customerId: string) => ({ customerId, profile: { firstName: 'Ada', lastName: 'Thread', email: `${customerId}@example.org` } });

interface Registered {
  readonly customerId: string;
  readonly streamId: string;
  readonly position: number;
}

describe('BatchThread', () => {
  let dir: string;
  let keys: CachedKeyStore;
  let events: EventStore;
  let thread: BatchThread | undefined;

  const open = async (env: Record<string, string> = {}) => {
    dir = mkdtempSync(join(tmpdir(), 'chronicle-batch-thread-'));
    const all = { DATA_DIR: dir, API_KEYS: 'admin=batch-thread-key-0123456789', MAX_BATCH_SIZE: '5', BATCH_THREAD_NICE: '7', ...env };
    const config = checkConfiguration(all);
    // This thread's own view of the same files, as the HTTP thread has.
    keys = await openKeyStore(config);
    events = await openEventStore(config, keys);
    return { config, env: all };
  };

  afterEach(async () => {
    await thread?.close();
    thread = undefined;
    await events.close();
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a batch in its own thread at BATCH_THREAD_NICE: one result per item, the accepted ones in the log this thread reads', async () => {
    const { config, env } = await open();
    const batches = new BatchThread(config, env);
    thread = batches;
    const answer = await batches.run<Registered>('customers', [registration('c-one'), { customerId: 'c-bad', profile: { firstName: 'Bo', email: 'not-an-email' } }, registration('c-two')], ctx, new Date('2026-11-30T10:00:00Z'));

    expect(answer.results.map((result) => [result.index, result.status])).toEqual([[0, 201], [1, 400], [2, 201]]);
    expect(answer.results[1].problem?.errors?.map((e) => e.field)).toEqual(['items[1].profile.email']);
    const stored = await events.readStream('customer-c-one');
    // Decoded by this thread's codec: the batch thread sealed it with the data keys both share.
    expect(stored.map((event) => [event.type, event.data])).toEqual([['CustomerRegistered', expect.objectContaining({ profile: expect.objectContaining({ email: 'c-one@example.org' }) })]]);
    // Its business time is the instant the HTTP thread received the request.
    expect(stored[0].metadata).toMatchObject({ occurredAt: '2026-11-30T10:00:00.000Z', correlationId: 'corr-1', actor: { id: 'batch-spec' } });
    if (process.platform === 'linux') expect(await batches.nice()).toBe(7);
  });

  it('refuses a whole request with the problem and headers the HTTP thread would have answered', async () => {
    const { config, env } = await open();
    const batches = new BatchThread(config, env);
    thread = batches;
    const tooMany = Array.from({ length: 6 }, (_, i) => registration(`c-many-${i}`));

    const refusal = await batches.run('customers', tooMany, ctx, new Date()).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(refusal).toBeInstanceOf(ProblemException);
    expect(toProblem(refusal)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The request has invalid fields',
      code: 'VALIDATION',
      errors: [{ field: 'items', message: 'items must contain at most 5 entries (MAX_BATCH_SIZE)' }],
    });
    expect(await events.readStream('customer-c-many-0')).toEqual([]);
  });

  it('a thread that ends fails the batch it held and the next batch runs in a new thread', async () => {
    const { config, env } = await open();
    const batches = new BatchThread(config, env, { module: join(__dirname, '..', 'testing', 'exiting-batch-thread.worker') });
    thread = batches;

    await expect(batches.run('customers', [registration('c-lost')], ctx, new Date())).rejects.toThrow(/batch thread ended \(exit code 7\)/);
    const next: BatchAnswer<Registered> = await batches.run('customers', [registration('c-after')], ctx, new Date());

    expect(next.results.map((result) => result.status)).toEqual([201]);
    expect((await events.readStream('customer-c-after')).length).toBe(1);
  });

  it('a thread whose event store can write no more (503 WRITER_STOPPED) answers that once and is replaced: the next batch runs in a new thread', async () => {
    const { config, env } = await open();
    const batches = new BatchThread(config, env, { module: join(__dirname, '..', 'testing', 'writer-stopped-batch-thread.worker') });
    thread = batches;

    const refusal = await batches.run('customers', [registration('c-refused')], ctx, new Date()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(toProblem(refusal)).toMatchObject({ status: 503, code: 'WRITER_STOPPED' });
    const next: BatchAnswer<Registered> = await batches.run('customers', [registration('c-replaced')], ctx, new Date());

    expect(next.results.map((result) => result.status)).toEqual([201]);
    expect((await events.readStream('customer-c-replaced')).length).toBe(1);
  });
});
