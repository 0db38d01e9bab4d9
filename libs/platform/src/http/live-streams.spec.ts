import { firstValueFrom, Subject, toArray } from 'rxjs';
import type { RecordedEvent } from '@app/event-sourcing';
import type { AppliedEvents } from '../consistency/read-your-writes';
import { appliedAfter, lastEventPosition, LiveStreams, ReplayTooLongError, resumeAfter } from './live-streams';

type Update = { readonly position: number; readonly label: string };

/** A replay bound beyond the 1,200 events of these logs. */
const NO_BOUND = 5_000;

/** Pages handed out one at a time: `give(page)` lets the next page through, `end()` ends them, `fail` fails the read. */
function pagesByHand<T>(): { pages: () => AsyncIterable<readonly T[]>; give: (page: readonly T[]) => void; end: () => void; fail: (error: Error) => void } {
  type Item = IteratorResult<readonly T[]> | Error;
  const waiting: ((item: Item) => void)[] = [];
  const ready: Item[] = [];
  const put = (item: Item) => (waiting.length > 0 ? (waiting.shift() as (item: Item) => void)(item) : ready.push(item));
  const take = (item: Item) => (item instanceof Error ? Promise.reject(item) : Promise.resolve(item));
  return {
    pages: () => ({
      [Symbol.asyncIterator]: () => ({
        next: () => (ready.length > 0 ? take(ready.shift() as Item) : new Promise<Item>((resolve) => waiting.push(resolve)).then(take)),
      }),
    }),
    give: (page) => put({ value: page, done: false }),
    end: () => put({ value: undefined, done: true }),
    fail: (error) => put(error),
  };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('resumeAfter', () => {
  it('sends what was missed first, then live updates, none twice and none lost while the replay is read', async () => {
    const live = new Subject<Update>();
    const replay = pagesByHand<Update>();
    const seen: string[] = [];
    const subscription = resumeAfter(live, replay.pages).subscribe((u) => seen.push(u.label));
    // While the replay is being read, two updates arrive live: one the replay also finds, one newer.
    live.next({ position: 7, label: 'live-7' });
    live.next({ position: 9, label: 'live-9' });
    expect(seen).toEqual([]);
    replay.give([{ position: 7, label: 'replay-7' }, { position: 5, label: 'replay-5' }]);
    replay.end();
    await settle();
    expect(seen).toEqual(['replay-5', 'replay-7', 'live-9']);
    live.next({ position: 9, label: 'again-9' });
    live.next({ position: 12, label: 'live-12' });
    expect(seen).toEqual(['replay-5', 'replay-7', 'live-9', 'live-12']);
    subscription.unsubscribe();
  });

  it('sends every page of a summary in order, each as it is read, and holds live updates until the last', async () => {
    const live = new Subject<Update>();
    const summary = pagesByHand<Update>();
    const seen: string[] = [];
    const subscription = resumeAfter(live, summary.pages).subscribe((u) => seen.push(u.label));
    summary.give([{ position: 4, label: 't1@4' }, { position: 3, label: 't2@3' }]);
    await settle();
    expect(seen).toEqual(['t2@3', 't1@4']);
    // t2 changes while the next page is read: live hears it, and the next page finds t2 there too.
    live.next({ position: 8, label: 'live-t2@8' });
    summary.give([{ position: 6, label: 't3@6' }, { position: 8, label: 't2@8' }]);
    await settle();
    expect(seen).toEqual(['t2@3', 't1@4', 't3@6', 't2@8']);
    summary.end();
    await settle();
    live.next({ position: 9, label: 'live-9' });
    expect(seen).toEqual(['t2@3', 't1@4', 't3@6', 't2@8', 'live-9']);
    subscription.unsubscribe();
  });

  it('fails the stream when the replay cannot be read', async () => {
    const replay = pagesByHand<Update>();
    const failed = firstValueFrom(resumeAfter(new Subject<Update>(), replay.pages));
    replay.fail(new Error('store down'));
    await expect(failed).rejects.toThrow('store down');
  });
});

describe('appliedAfter', () => {
  const log = Array.from({ length: 1200 }, (_, i) => ({ position: i + 1 }) as RecordedEvent);
  /** The log as a paged query: events after `after`, at most `maxCount`, and the pages asked for. */
  const paged = (asked: number[]) => async (after: number, maxCount: number) => {
    asked.push(after);
    return log.filter((event) => event.position > after).slice(0, maxCount);
  };
  /** A projector at `position`; waiting moves it to `reaches` (where it got to when the wait ended). */
  const projector = (position: number, reaches = position): AppliedEvents & { waited: number[] } => {
    const applied = {
      position,
      waited: [] as number[],
      onApplied: () => () => undefined,
      waitForPosition: async (wanted: number) => {
        applied.waited.push(wanted);
        applied.position = reaches;
        return reaches >= wanted;
      },
    };
    return applied;
  };

  it('reads every page after the position, and waits for nothing the projector already applied', async () => {
    const asked: number[] = [];
    const applied = projector(1200);
    const found = await appliedAfter(applied, 100, paged(asked), NO_BOUND);
    expect(found.map((event) => event.position)).toEqual(log.slice(100).map((event) => event.position));
    expect(asked).toEqual([100, 600, 1100]);
    expect(applied.waited).toEqual([]);
  });

  it('waits for the projector to apply what the log holds (a batch on its way to this thread), and stops where it got to', async () => {
    const caughtUp = projector(1000, 1200);
    expect((await appliedAfter(caughtUp, 990, paged([]), NO_BOUND)).map((event) => event.position)).toEqual(log.slice(990).map((event) => event.position));
    expect(caughtUp.waited).toEqual([1200]);
    // Still behind when the wait ends: the rest goes out live as it is applied.
    const behind = projector(1000, 1005);
    expect((await appliedAfter(behind, 990, paged([]), NO_BOUND)).map((event) => event.position)).toEqual([991, 992, 993, 994, 995, 996, 997, 998, 999, 1000, 1001, 1002, 1003, 1004, 1005]);
  });
});

describe('appliedAfter, bounded', () => {
  const log = Array.from({ length: 1200 }, (_, i) => ({ position: i + 1 }) as RecordedEvent);
  const applied: AppliedEvents = { position: 1200, onApplied: () => () => undefined, waitForPosition: async () => true };
  const asked: number[] = [];
  const read = async (after: number, maxCount: number) => {
    asked.push(maxCount);
    return log.filter((event) => event.position > after).slice(0, maxCount);
  };

  it('sends up to the limit, and refuses to read past it (the stream sends its summary instead)', async () => {
    expect(await appliedAfter(applied, 1200 - 700, read, 700)).toHaveLength(700);
    asked.length = 0;
    await expect(appliedAfter(applied, 1200 - 701, read, 700)).rejects.toBeInstanceOf(ReplayTooLongError);
    // Never more than the limit and one read: 500, then 201.
    expect(asked).toEqual([500, 201]);
  });
});

describe('lastEventPosition', () => {
  it('reads a position, nothing without a header, and refuses anything else', () => {
    expect(lastEventPosition('42')).toBe(42);
    expect(lastEventPosition(undefined)).toBeUndefined();
    expect(lastEventPosition(' ')).toBeUndefined();
    for (const bad of ['-1', 'abc', '1.5', '9'.repeat(16)]) expect(() => lastEventPosition(bad)).toThrow(/Last-Event-ID/);
  });
});

describe('LiveStreams', () => {
  it('ends every open stream at shutdown and refuses new ones after it', async () => {
    const streams = new LiveStreams({ LIVE_REPLAY_MAX_EVENTS: NO_BOUND });
    const endless = new Subject<number>();
    const received = firstValueFrom(streams.serve(endless).pipe(toArray()));
    endless.next(1);
    streams.beforeApplicationShutdown();
    expect(await received).toEqual([1]);
    expect(() => streams.assertOpen()).toThrow(/shutting down/);
  });
});
