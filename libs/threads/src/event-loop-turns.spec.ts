import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { shareTurn } from './event-loop-turns';

function busy(ms: number): void {
  const start = performance.now();
  while (performance.now() - start < ms);
}

describe('shareTurn: the thread\'s current run of synchronous work', () => {
  beforeEach(async () => {
    // Every case starts on a fresh turn of the event loop.
    await nextTurn();
  });

  it('lets a short run go on without a turn', () => {
    expect(shareTurn(50)).toBeUndefined();
    busy(1);
    expect(shareTurn(50)).toBeUndefined();
  });

  it('past the slice, hands out a turn: what was queued meanwhile runs before the run goes on', async () => {
    const order: string[] = [];
    expect(shareTurn(5)).toBeUndefined();
    setImmediate(() => order.push('queued meanwhile'));
    busy(10);
    const turn = shareTurn(5);
    expect(turn).toBeDefined();
    await turn;
    order.push('run goes on');
    expect(order).toEqual(['queued meanwhile', 'run goes on']);
  });

  it('counts one run across every caller: concurrent loops share the slice', async () => {
    expect(shareTurn(5)).toBeUndefined();
    busy(3);
    // Another loop of the same run, which has not itself worked 5 ms.
    expect(shareTurn(5)).toBeUndefined();
    busy(3);
    expect(shareTurn(5)).toBeDefined();
  });

  it('starts a new run once the event loop has turned', async () => {
    expect(shareTurn(5)).toBeUndefined();
    busy(10);
    await nextTurn();
    expect(shareTurn(5)).toBeUndefined();
  });
});
