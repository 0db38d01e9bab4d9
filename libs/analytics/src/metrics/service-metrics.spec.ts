import { mean, netPromoterScore, percent } from './service-metrics';

describe('service metrics', () => {
  it('computes NPS as % promoters minus % detractors', () => {
    // 5 promoters, 2 passives, 3 detractors of 10 → 50 % − 30 % = 20.
    expect(netPromoterScore(5, 3, 10)).toBe(20);
    // 1 promoter, 2 detractors of 3 → 33.3 − 66.7 = −33.3.
    expect(netPromoterScore(1, 2, 3)).toBe(-33.3);
    expect(netPromoterScore(0, 0, 0)).toBeNull();
  });

  it('computes shares and means, null without a denominator', () => {
    expect(percent(2, 3)).toBe(66.7);
    expect(percent(0, 0)).toBeNull();
    expect(mean(1680, 3)).toBe(560);
    expect(mean(10, 3)).toBe(3.33);
    expect(mean(5, 0)).toBeNull();
  });
});
