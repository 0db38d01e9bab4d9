import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { SqliteReadStore, type ReadStore } from '@app/read-store';
import { CUSTOMER_360_COLLECTION } from '../projections/customer-360.document';
import { ViewPositionPoll, type ViewPosition } from './view-position-poll';

describe('ViewPositionPoll (on a real SqliteReadStore)', () => {
  const TICK = 100;
  let directory: string;
  let store: SqliteReadStore;
  let reads: string[][];
  let failReads: Error | undefined;
  let counted: Pick<ReadStore, 'getMany'>;
  const subscriptions: Subscription[] = [];

  const view = (customerId: string, lastPosition: number) =>
    store.applyBatch([{ kind: 'upsert', collection: CUSTOMER_360_COLLECTION, doc: { id: customerId, lastPosition } }]);
  const follow = (poll: ViewPositionPoll, customerId: string, after?: number) => {
    const seen: (ViewPosition | Error)[] = [];
    subscriptions.push(poll.watch(customerId, after).subscribe({ next: (update) => seen.push(update), error: (error: Error) => seen.push(error) }));
    return seen;
  };
  const tick = () => jest.advanceTimersByTimeAsync(TICK);

  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    directory = mkdtempSync(join(tmpdir(), 'chronicle-view-poll-'));
    store = new SqliteReadStore(join(directory, 'reads.sqlite'));
    await store.ensureCollections([{ name: CUSTOMER_360_COLLECTION, indexes: [] }]);
    reads = [];
    failReads = undefined;
    counted = {
      getMany: (collection, ids) => {
        reads.push([...ids].sort());
        return failReads ? Promise.reject(failReads) : store.getMany(collection, ids);
      },
    };
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
    jest.useRealTimers();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads every watched view in one read per tick, and tells each stream when its view moves past what it knows', async () => {
    await view('ada', 5);
    const poll = new ViewPositionPoll(counted, TICK);
    const fresh = follow(poll, 'ada');
    const resumed = follow(poll, 'ada', 3);
    const bob = follow(poll, 'bob');
    await tick();
    expect(reads).toEqual([['ada', 'bob']]);
    // A stream without a position learns where the view stands and says nothing; one behind it hears at once.
    expect(fresh).toEqual([]);
    expect(resumed).toEqual([{ customerId: 'ada', position: 5 }]);
    expect(bob).toEqual([]);

    await view('bob', 7);
    await tick();
    expect(bob).toEqual([{ customerId: 'bob', position: 7 }]);
    expect(fresh).toEqual([]);
    await view('ada', 9);
    await tick();
    await tick();
    expect(fresh).toEqual([{ customerId: 'ada', position: 9 }]);
    expect(resumed).toEqual([{ customerId: 'ada', position: 5 }, { customerId: 'ada', position: 9 }]);
    expect(reads).toHaveLength(4);
    expect(poll.watched).toBe(2);
  });

  it('stops reading once the last stream is gone, and starts again with the next', async () => {
    const poll = new ViewPositionPoll(counted, TICK);
    follow(poll, 'ada');
    follow(poll, 'bob');
    await tick();
    subscriptions.splice(0, 1)[0]?.unsubscribe();
    await tick();
    expect(reads).toEqual([['ada', 'bob'], ['bob']]);
    subscriptions.splice(0, 1)[0]?.unsubscribe();
    expect(poll.watched).toBe(0);
    await tick();
    await tick();
    expect(reads).toHaveLength(2);
    follow(poll, 'cy');
    await tick();
    expect(reads).toEqual([['ada', 'bob'], ['bob'], ['cy']]);
  });

  it('ends every stream with the error when a read fails', async () => {
    const poll = new ViewPositionPoll(counted, TICK);
    const ada = follow(poll, 'ada');
    const bob = follow(poll, 'bob');
    failReads = new Error('disk I/O error');
    await tick();
    expect(ada).toEqual([failReads]);
    expect(bob).toEqual([failReads]);
    expect(poll.watched).toBe(0);
    await tick();
    expect(reads).toHaveLength(1);
  });
});
