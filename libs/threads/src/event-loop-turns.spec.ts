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
      expect(shareTurn(0)).toBeDefined();
    };
    await Promise.all([first(), second()]);
  });

  it('starts a new run once the event loop has turned', async () => {
    expect(shareTurn(0)).toBeUndefined();
    expect(shareTurn(0)).toBeDefined();
    await nextTurn();
    expect(shareTurn(0)).toBeUndefined();
  });
});
