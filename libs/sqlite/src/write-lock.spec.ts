import { isSqliteBusy, writeLockRetryDelayMs } from './write-lock';

describe('writeLockRetryDelayMs', () => {
  it('doubles from 1 ms to at most 50 ms, the upper half random', () => {
    const low = (refusals: number) => writeLockRetryDelayMs(refusals, () => 0);
    const high = (refusals: number) => writeLockRetryDelayMs(refusals, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(high)).toEqual([1, 2, 4, 8, 16, 32, 50, 50]);
    expect([1, 2, 3, 7].map(low)).toEqual([0.5, 1, 2, 25]);
  });
});

describe('isSqliteBusy', () => {
  it('knows SQLITE_BUSY and its extended codes, and nothing else', () => {
    expect(isSqliteBusy({ code: 'SQLITE_BUSY' })).toBe(true);
    expect(isSqliteBusy({ code: 'SQLITE_BUSY_SNAPSHOT' })).toBe(true);
    expect(isSqliteBusy({ code: 'SQLITE_BUSYNESS' })).toBe(false);
    expect(isSqliteBusy({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBe(false);
    expect(isSqliteBusy(new Error('database is locked'))).toBe(false);
    expect(isSqliteBusy(null)).toBe(false);
  });
});
