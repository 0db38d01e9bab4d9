import { seededUniform } from '../testing/btyd-simulation';
import { rankScore, recencyDays, rfmCutPoints, rfmDistribution, scoreRfm, type RfmValues } from './rfm';

// Five customers, scored by hand: score = 1 + floor(5 × strictly-worse / 5), capped at 5.
//        recency  F   M       R (worse = longer)   F (worse = fewer)   M (worse = less)
//   A      1      3   30000   4 → 5                3 → 4               4 → 5
//   B     10      1    5000   3 → 4                0 → 1               1 → 2
//   C     30      2   20000   2 → 3                2 → 3               3 → 4
//   D    100      5    1000   1 → 2                4 → 5               0 → 1
//   E    200      1    5000   0 → 1                0 → 1               1 → 2
const A: RfmValues = { recencyDays: 1, frequency: 3, monetaryMinor: 30000 };
const B: RfmValues = { recencyDays: 10, frequency: 1, monetaryMinor: 5000 };
const C: RfmValues = { recencyDays: 30, frequency: 2, monetaryMinor: 20000 };
const D: RfmValues = { recencyDays: 100, frequency: 5, monetaryMinor: 1000 };
const E: RfmValues = { recencyDays: 200, frequency: 1, monetaryMinor: 5000 };

describe('RFM', () => {
  const cuts = rfmCutPoints([A, B, C, D, E]);

  it('scores each customer by rank in the population, ties sharing a score', () => {
    expect([A, B, C, D, E].map((v) => scoreRfm(v, cuts).score)).toEqual(['545', '412', '334', '251', '112']);
    expect(scoreRfm(A, cuts)).toEqual({ r: 5, f: 4, m: 5, score: '545' });
  });

  it('keeps four cut points per dimension that score exactly as the ranks do', () => {
    expect(cuts).toEqual({ population: 5, recencyDays: [200, 100, 30, 10], frequency: [1, 1, 2, 3], monetaryMinor: [1000, 5000, 5000, 20000] });
    // Random populations with many ties: every customer's score from the cut points equals its rank score.
    const uniform = seededUniform(7);
    for (const n of [1, 2, 3, 7, 10, 101, 1000]) {
      const values: RfmValues[] = Array.from({ length: n }, () => ({
        recencyDays: Math.floor(uniform() * 50), frequency: 1 + Math.floor(uniform() * 6), monetaryMinor: Math.floor(uniform() * 20) * 500,
      }));
      const populationCuts = rfmCutPoints(values);
      for (const v of values) {
        const worse = (pick: (w: RfmValues) => number) => values.filter((w) => pick(w) < pick(v)).length;
        expect(scoreRfm(v, populationCuts)).toMatchObject({
          r: rankScore(worse((w) => -w.recencyDays), n), f: rankScore(worse((w) => w.frequency), n), m: rankScore(worse((w) => w.monetaryMinor), n),
        });
      }
    }
  });

  it('gives exact quintiles for ten distinct values', () => {
    expect(Array.from({ length: 10 }, (_, worse) => rankScore(worse, 10))).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(rankScore(0, 1)).toBe(1);
    expect(rankScore(0, 0)).toBe(1);
  });

  it('counts customers per combined score and per dimension', () => {
    expect(rfmDistribution([A, B, C, D, E])).toEqual({
      population: 5,
      byScore: { '112': 1, '251': 1, '334': 1, '412': 1, '545': 1 },
      recency: { '1': 1, '2': 1, '3': 1, '4': 1, '5': 1 },
      frequency: { '1': 2, '2': 0, '3': 1, '4': 1, '5': 1 },
      monetary: { '1': 1, '2': 2, '3': 0, '4': 1, '5': 1 },
    });
    expect(rfmDistribution([])).toMatchObject({ population: 0, byScore: {} });
  });

  it('measures recency in whole days before now, never negative', () => {
    const now = new Date('2024-07-01T00:00:00Z');
    expect(recencyDays('2024-03-23T00:00:00.000Z', now)).toBe(100);
    expect(recencyDays('2024-06-30T12:00:00.000Z', now)).toBe(0);
    expect(recencyDays('2024-07-05T00:00:00.000Z', now)).toBe(0);
  });
});
