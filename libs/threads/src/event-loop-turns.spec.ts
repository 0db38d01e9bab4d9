// Slices given as bounds no machine reaches (0 ms: every call after the first is past it; a minute:
// none is), so the cases hold however loaded the machine running them is.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { shareTurn } from './event-loop-turns';

describe('shareTurn: the thread\'s current run of synchronous work', () => {
  beforeEach(async () => {
    // Every case starts on a fresh turn of the event loop.
    await nextTurn();
  });

  it('lets a run shorter than the slice go on without a turn', () => {
    expect(shareTurn(60_000)).toBeUndefined();
    expect(shareTurn(60_000)).toBeUndefined();
  });

  it('past the slice, hands out a turn: what was queued meanwhile runs before the run goes on', async () => {
    const order: string[] = [];
    expect(shareTurn(0)).toBeUndefined();
    setImmediate(() => order.push('queued meanwhile'));
    const turn = shareTurn(0);
    expect(turn).toBeDefined();
    await turn;
    order.push('run goes on');
    expect(order).toEqual(['queued meanwhile', 'run goes on']);
  });

  it('counts one run across every caller: a second loop of the same run does not start its own slice', async () => {
    const first = async (): Promise<void> => {
      expect(shareTurn(0)).toBeUndefined();
    };
    const second = async (): Promise<void> => {
      // Its own first call, but the run started with the other loop's.
      const turn = shareTurn(0);
      expect(turn).toBeDefined();
      // Every turn handed out is awaited, as the loops do: the one it resumes starts a run.
      await turn;
    };
    await Promise.all([first(), second()]);
  });

  it('starts a new run once the event loop has turned', async () => {
    expect(shareTurn(0)).toBeUndefined();
    const turn = shareTurn(0);
    expect(turn).toBeDefined();
    // The turn resumes its caller in a run of its own; that run ends when the loop turns again.
    await turn;
    await nextTurn();
    expect(shareTurn(0)).toBeUndefined();
  });

  it('starts the run of the callers a turn resumes: past the slice again, they yield again', async () => {
    expect(shareTurn(0)).toBeUndefined();
    await shareTurn(0);
    // Without a run started at the resume, this call would start one and let the work go on.
    const again = shareTurn(0);
    expect(again).toBeDefined();
    await again;
  });
});

describe('shareTurn in loops: every loop of the thread on one slice', () => {
  beforeEach(async () => {
    await nextTurn();
  });

  it('a second loop in the same run yields at once where its own slice would just have started', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('queued'));
    // The first loop's call starts the run; the second loop's, in the same run, is past its 0 ms slice.
    await shareTurn(0);
    order.push('first goes on');
    await shareTurn(0);
    order.push('second goes on');
    expect(order).toEqual(['first goes on', 'queued', 'second goes on']);
  });

  it('with a slice no run reaches, never yields', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('queued'));
    for (let i = 0; i < 100; i++) await shareTurn(60_000);
    order.push('loop done');
    expect(order).toEqual(['loop done']);
  });
});
