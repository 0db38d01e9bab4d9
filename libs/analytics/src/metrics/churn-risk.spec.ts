import { churnRisk, median, purchaseGapsDays } from './churn-risk';

const now = new Date('2024-07-01T00:00:00Z');

describe('churn risk', () => {
  it('takes the median gap between purchases', () => {
    expect(median([31, 10, 10, 31])).toBe(20.5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([])).toBeNull();
    expect(purchaseGapsDays(['2024-01-11T00:00:00Z', '2024-01-01T00:00:00Z', '2024-01-21T00:00:00Z'])).toEqual([10, 10]);
  });

  it('scores a customer far past their usual rhythm, with an open ticket and a detractor answer', () => {
    // Gaps 10, 10, 31, 31 → median 20.5 days; 100 days since → ratio 4.88 ≥ 3 → 70; 1 ticket → 5; detractor → 15.
    const risk = churnRisk({
      purchaseTimes: ['2024-01-01T00:00:00Z', '2024-01-11T00:00:00Z', '2024-01-21T00:00:00Z', '2024-02-21T00:00:00Z', '2024-03-23T00:00:00Z'],
      lastPurchaseAt: '2024-03-23T00:00:00Z',
      openTickets: 1,
      npsLastClass: 'detractor',
      now,
    });
    expect(risk).toEqual({
      score: 90,
      explain: {
        daysSinceLastPurchase: 100, typicalGapDays: 20.5, typicalGapSource: 'median', gapRatio: 4.88,
        recencyPoints: 70, openTickets: 1, ticketPoints: 5, npsLastClass: 'detractor', npsPoints: 15,
      },
    });
  });

  it('rises linearly between one and three typical gaps, with 90 days as the gap of a one-time buyer', () => {
    // 200 / 90 = 2.222 → (2.222 − 1) / 2 × 70 = 42.78 → 43; promoter → 0.
    const risk = churnRisk({ purchaseTimes: ['2023-12-14T00:00:00Z'], lastPurchaseAt: '2023-12-14T00:00:00Z', openTickets: 0, npsLastClass: 'promoter', now });
    expect(risk?.score).toBe(43);
    expect(risk?.explain).toMatchObject({ typicalGapDays: 90, typicalGapSource: 'default', recencyPoints: 43 });
  });

  it('caps ticket points and scores a passive answer', () => {
    const risk = churnRisk({ purchaseTimes: ['2024-06-30T00:00:00Z'], lastPurchaseAt: '2024-06-30T00:00:00Z', openTickets: 7, npsLastClass: 'passive', now });
    expect(risk?.explain).toMatchObject({ recencyPoints: 0, ticketPoints: 15, npsPoints: 5 });
    expect(risk?.score).toBe(20);
  });

  it('has no churn risk without a purchase', () => {
    expect(churnRisk({ purchaseTimes: [], lastPurchaseAt: null, openTickets: 3, npsLastClass: 'detractor', now })).toBeNull();
  });
});
