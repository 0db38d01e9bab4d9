import { customerLifetimeValue, retentionMultiplier } from './clv';

const params = { margin: 0.3, discountRate: 0.1, retentionRate: 0.8, acquisitionCostMinor: 1000 };

describe('customer lifetime value', () => {
  it('multiplies yearly margin by r / (1 + d − r) and subtracts the acquisition cost', () => {
    // 0.8 / (1 + 0.1 − 0.8) = 2.6667 years.
    expect(retentionMultiplier(0.8, 0.1)).toBeCloseTo(8 / 3, 10);
    // Two years of tenure (730.5 days), 1000.00 net: 500.00 a year × 0.3 × 8/3 = 400.00, − 10.00.
    const result = customerLifetimeValue(100_000, '2024-01-01T12:00:00.000Z', new Date('2026-01-01T00:00:00Z'), params);
    expect(result).toMatchObject({ valueMinor: 39_000, annualRevenueMinor: 50_000, tenureYears: 2, retentionMultiplier: 2.6667 });
  });

  it('does not extrapolate less than a year of tenure into a yearly rate', () => {
    // 61 days of tenure count as one year: 300.00 × 0.3 × 8/3 − 10.00 = 230.00.
    expect(customerLifetimeValue(30_000, '2024-05-01T00:00:00.000Z', new Date('2024-07-01T00:00:00Z'), params).valueMinor).toBe(23_000);
  });

  it('is minus the acquisition cost for a customer without purchases', () => {
    expect(customerLifetimeValue(0, null, new Date('2024-07-01T00:00:00Z'), params)).toMatchObject({ valueMinor: -1000, tenureYears: 0 });
  });
});
