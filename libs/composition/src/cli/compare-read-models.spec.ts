import { changedFields, describeDifference } from './compare-read-models';

describe('the verify projections report', () => {
  it('names the deepest fields that differ, arrays by index, absent fields as absent', () => {
    const live = { id: 'c-1', lastPosition: 9, profile: { email: 'a@x', city: 'Paris' }, tags: ['a', 'b'], extra: 1 };
    const rebuilt = { id: 'c-1', lastPosition: 9, profile: { email: 'b@x', city: 'Paris' }, tags: ['a', 'c', 'd'] };
    expect(changedFields(live, rebuilt)).toEqual([
      { path: 'extra', left: 1, right: undefined },
      { path: 'profile.email', left: 'a@x', right: 'b@x' },
      { path: 'tags[1]', left: 'b', right: 'c' },
      { path: 'tags[2]', left: undefined, right: 'd' },
    ]);
    expect(changedFields(live, { ...live })).toEqual([]);
  });

  it('reads as one line per difference and one per differing field', () => {
    const labels = { left: 'live', right: 'rebuilt' };
    expect(describeDifference({ collection: 'customer360', id: 'ghost', kind: 'only-left', left: { id: 'ghost', lastPosition: 1 } }, labels)).toBe('customer360/ghost: only in live');
    expect(
      describeDifference(
        { collection: 'customer360', id: 'c-1', kind: 'differs', left: { id: 'c-1', lastPosition: 3, calls: { count: 2 } }, right: { id: 'c-1', lastPosition: 4, calls: { count: 3 } } },
        labels,
      ),
    ).toBe('customer360/c-1: differs\n  calls.count: live 2 ≠ rebuilt 3\n  lastPosition: live 3 ≠ rebuilt 4');
  });
});
