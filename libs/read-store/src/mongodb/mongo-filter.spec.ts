import { compileFilter, prefixClause, prefixUpperBound } from './mongo-filter';

describe('compileFilter', () => {
  it('reads a bare scalar as equality and maps id to _id', () => {
    expect(compileFilter({ id: 'c-1' })).toEqual({ _id: { $eq: 'c-1' } });
    expect(compileFilter({ status: null })).toEqual({ status: { $eq: null } });
  });

  it('gives every operator its own clause under $and', () => {
    expect(compileFilter({ total: { gte: 10, lt: 20 }, 'profile.country': { in: ['DE', 'FR'] } })).toEqual({
      $and: [{ total: { $gte: 10 } }, { total: { $lt: 20 } }, { 'profile.country': { $in: ['DE', 'FR'] } }],
    });
  });

  it('compiles ne, gt, lte, contains and exists', () => {
    expect(compileFilter({ a: { ne: 'x', gt: 1, lte: 5, contains: 'vip', exists: true } })).toEqual({
      $and: [{ a: { $ne: 'x' } }, { a: { $gt: 1 } }, { a: { $lte: 5 } }, { a: 'vip' }, { a: { $exists: true } }],
    });
  });

  it('turns a prefix into an index-friendly range', () => {
    expect(compileFilter({ 'search.name': { prefix: 'ann' } })).toEqual({ 'search.name': { $gte: 'ann', $lt: 'ano' } });
  });

  it('nests and/or, and treats an empty or as matching nothing', () => {
    expect(compileFilter({ or: [{ a: 1 }, { and: [{ b: 2 }, { c: { exists: false } }] }] })).toEqual({
      $or: [{ a: { $eq: 1 } }, { $and: [{ b: { $eq: 2 } }, { c: { $exists: false } }] }],
    });
    expect(compileFilter({ or: [] })).toEqual({ _id: { $in: [] } });
    expect(compileFilter({ and: [] })).toEqual({});
    expect(compileFilter({})).toEqual({});
  });
});

describe('prefix ranges', () => {
  it('bumps the last code point, skipping the surrogate block', () => {
    expect(prefixUpperBound('ab')).toBe('ac');
    expect(prefixUpperBound('a\u{d7ff}')).toBe('a\u{e000}');
    expect(prefixUpperBound('x😀')).toBe('x😁');
  });

  it('falls back to an anchored, escaped regex where no upper bound exists', () => {
    expect(prefixUpperBound('')).toBeNull();
    expect(prefixClause('name', '')).toEqual({ name: { $regex: '^' } });
    expect(prefixClause('name', 'a.b\u{10ffff}')).toEqual({ name: { $regex: '^a\\.b\u{10ffff}' } });
  });

  it('matches exactly the strings that start with the prefix, by code point order', () => {
    const prefix = 'jo';
    const upper = prefixUpperBound(prefix) as string;
    const inRange = (s: string): boolean => s >= prefix && s < upper;
    for (const s of ['jo', 'joe', 'jo\u{ffff}', 'jo😀', 'jp', 'j', 'JO', 'jn~']) {
      expect([s, inRange(s)]).toEqual([s, s.startsWith(prefix)]);
    }
  });
});
