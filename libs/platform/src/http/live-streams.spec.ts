import { firstValueFrom, Subject, toArray } from 'rxjs';
import { lastEventPosition, LiveStreams, resumeAfter } from './live-streams';

type Update = { readonly position: number; readonly label: string };

describe('resumeAfter', () => {
  it('sends what was missed first, then live updates, none twice and none lost while the replay is read', async () => {
    const live = new Subject<Update>();
    let finishReplay!: (updates: Update[]) => void;
    const seen: string[] = [];
    const subscription = resumeAfter(live, () => new Promise<Update[]>((resolve) => (finishReplay = resolve))).subscribe((u) => seen.push(u.label));
    // While the replay is being read, two updates arrive live: one the replay also finds, one newer.
    live.next({ position: 7, label: 'live-7' });
    live.next({ position: 9, label: 'live-9' });
    expect(seen).toEqual([]);
    finishReplay([{ position: 7, label: 'replay-7' }, { position: 5, label: 'replay-5' }]);
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual(['replay-5', 'replay-7', 'live-9']);
    live.next({ position: 9, label: 'again-9' });
    live.next({ position: 12, label: 'live-12' });
    expect(seen).toEqual(['replay-5', 'replay-7', 'live-9', 'live-12']);
    subscription.unsubscribe();
  });

  it('fails the stream when the replay cannot be read', async () => {
    const failed = firstValueFrom(resumeAfter(new Subject<Update>(), () => Promise.reject(new Error('store down'))));
    await expect(failed).rejects.toThrow('store down');
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
    const streams = new LiveStreams();
    const endless = new Subject<number>();
    const received = firstValueFrom(streams.serve(endless).pipe(toArray()));
    endless.next(1);
    streams.beforeApplicationShutdown();
    expect(await received).toEqual([1]);
    expect(() => streams.assertOpen()).toThrow(/shutting down/);
  });
});
