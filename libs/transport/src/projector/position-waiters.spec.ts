import { PositionWaiters } from './position-waiters';

describe('PositionWaiters', () => {
  it('releases a wait when the position is reached, and forgets one whose signal aborts', async () => {
    const waiters = new PositionWaiters();
    const reaching = waiters.wait(5, 60_000);
    const giving = new AbortController();
    const givenUp = waiters.wait(9, 60_000, giving.signal);
    expect(waiters.pending).toBe(2);

    giving.abort();
    expect(await givenUp).toBe(false);
    expect(waiters.pending).toBe(1);

    waiters.advance(5);
    expect(await reaching).toBe(true);
    expect(waiters.pending).toBe(0);
    // Aborted before it began: never counted.
    expect(await waiters.wait(9, 60_000, giving.signal)).toBe(false);
    expect(waiters.pending).toBe(0);
  });
});
