import { describeHits } from './search-box';

describe('what the search says it found', () => {
  it('counts what it shows, and says "more than" when the API had one more than shown', () => {
    expect(describeHits(12, 20, 'smith')).toBe('12 customers found.');
    expect(describeHits(1, 20, 'ada')).toBe('1 customer found.');
    expect(describeHits(21, 20, 'a')).toBe('More than 20 customers match: the first 20 are shown, keep typing to narrow them down.');
    expect(describeHits(0, 20, 'zz')).toBe('No customer matches “zz”.');
  });
});
