// Gamma-Gamma: parameter recovery on seeded simulated spends, and the shrinkage of its prediction.
import { simulateCustomers } from '../testing/btyd-simulation';
import { expectedSpend, fitGammaGamma, type GammaGammaParameters } from './gamma-gamma';

const TRUE: GammaGammaParameters = { p: 6, q: 4, v: 1500 };

describe('Gamma-Gamma', () => {
  it('recovers the parameters of seeded simulated spends within three standard errors', () => {
    // Frequent buyers (r/α = 1 purchase in 10 days), so most have several repeat purchases.
    const simulated = simulateCustomers(6000, { r: 2, alpha: 20, a: 0.5, b: 10 }, TRUE, { seed: 99, minDays: 200, maxDays: 400 });
    const spenders = simulated
      .filter((c) => c.repeatDays.length > 0)
      .map((c) => ({ x: c.repeatDays.length, m: c.values.slice(1).reduce((sum, v) => sum + v, 0) / c.repeatDays.length }));
    const fit = fitGammaGamma(spenders);
    expect(fit.diagnostics).toMatchObject({ converged: true, customers: spenders.length, atBounds: [] });
    const se = fit.diagnostics.standardErrors as Record<keyof GammaGammaParameters, number>;
    for (const name of ['p', 'q', 'v'] as const) expect(Math.abs(fit.parameters[name] - TRUE[name])).toBeLessThan(3 * se[name]);
  });

  it('shrinks a customer’s mean spend towards the population mean, less the more purchases it rests on', () => {
    const populationMean = (TRUE.p * TRUE.v) / (TRUE.q - 1);
    expect(expectedSpend(TRUE, 0, 0)).toBeCloseTo(populationMean, 9);
    const one = expectedSpend(TRUE, 1, 9000) as number;
    const many = expectedSpend(TRUE, 20, 9000) as number;
    expect(one).toBeGreaterThan(populationMean);
    expect(many).toBeGreaterThan(one);
    expect(many).toBeLessThan(9000);
    expect(expectedSpend({ p: 6, q: 0.9, v: 1500 }, 0, 0)).toBeNull();
  });
});
