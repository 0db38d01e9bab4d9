import { CatchUp } from './catch-up';

describe('catching up with live updates', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('retries a failed re-read with a growing pause until it succeeds, saying it is behind meanwhile (defect: "Live" beside stale data until the next event)', async () => {
    const reads: number[] = [];
    const behind: boolean[] = [];
    let failures = 2;
    const catchUp = new CatchUp(async (position) => {
      reads.push(position);
      if (failures-- > 0) throw new Error('offline');
    }, (value) => behind.push(value));

    await catchUp.request(7);
    expect({ reads, behind }).toEqual({ reads: [7], behind: [true] });
    await jest.advanceTimersByTimeAsync(999);
    expect(reads).toEqual([7]);
    await jest.advanceTimersByTimeAsync(1);
    expect({ reads, behind }).toEqual({ reads: [7, 7], behind: [true, true] });
    // The pause doubles: nothing after one more second, the retry after two.
    await jest.advanceTimersByTimeAsync(1000);
    expect(reads).toEqual([7, 7]);
    await jest.advanceTimersByTimeAsync(1000);
    expect({ reads, behind }).toEqual({ reads: [7, 7, 7], behind: [true, true, false] });
    // Caught up: nothing more is read until something newer is announced.
    await jest.advanceTimersByTimeAsync(60_000);
    await catchUp.request(5);
    expect(reads).toEqual([7, 7, 7]);
    await catchUp.request(9);
    expect(reads).toEqual([7, 7, 7, 9]);
  });

  it('stops retrying once the page is gone', async () => {
    const reads: number[] = [];
    const catchUp = new CatchUp(async (position) => { reads.push(position); throw new Error('offline'); }, () => undefined);
    await catchUp.request(3);
    catchUp.dispose();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(reads).toEqual([3]);
  });
});
