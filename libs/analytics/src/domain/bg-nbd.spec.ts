// BG/NBD: the special functions it rests on, the likelihood against a hand computation, parameter
// recovery on seeded simulated data, and the predictions against simulation.
import { simulateCustomers } from '../testing/btyd-simulation';
import { bgNbdLogLikelihood, expectedPurchases, expectedPurchasesOfNewCustomer, fitBgNbd, probabilityAlive, probabilityNoPurchase, type BgNbdParameters } from './bg-nbd';
import { hyp2f1, logAddExp, logGamma } from './special-functions';

const TRUE: BgNbdParameters = { r: 0.5, alpha: 20, a: 0.8, b: 2.5 };

describe('special functions', () => {
  it('ln Γ and ln(e^a + e^b) in log space', () => {
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(1000)).toBeCloseTo(5905.220423209181, 8);
    expect(logAddExp(-1000, -1000)).toBeCloseTo(-1000 + Math.log(2), 12);
    expect(logAddExp(-Infinity, 3)).toBe(3);
  });

  it('₂F₁ against closed forms', () => {
    // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z; ₂F₁(a, b; b; z) = (1 − z)^−a.
    for (const z of [0, 0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(z === 0 ? 1 : -Math.log(1 - z) / z, 10);
      expect(hyp2f1(0.7, 2.5, 2.5, z)).toBeCloseTo((1 - z) ** -0.7, 10);
    }
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
  });
});

describe('BG/NBD', () => {
  it('computes the log-likelihood of FHL 2005 (eq. 6)', () => {
    const p = { r: 0.3, alpha: 5, a: 0.9, b: 2 };
    // x = 2, t_x = 10, T = 30, by hand: B(a, b + x)/B(a, b) · Γ(r + x)/Γ(r) · α^r · [(α+T)^−(r+x) + a/(b+x−1) · (α+t_x)^−(r+x)].
    const betaRatio = Math.exp(logGamma(p.b + 2) + logGamma(p.a + p.b) - logGamma(p.b) - logGamma(p.a + p.b + 2));
    const gammaRatio = Math.exp(logGamma(p.r + 2) - logGamma(p.r));
    const manual = Math.log(betaRatio * gammaRatio * p.alpha ** p.r * ((p.alpha + 30) ** -(p.r + 2) + (p.a / (p.b + 1)) * (p.alpha + 10) ** -(p.r + 2)));
    // x = 0, T = 30: (α/(α+T))^r.
    const none = p.r * Math.log(p.alpha / (p.alpha + 30));
    expect(bgNbdLogLikelihood(p, [{ x: 2, tx: 10, T: 30 }, { x: 0, tx: 0, T: 30 }])).toBeCloseTo(manual + none, 10);
  });

  it('recovers the parameters of seeded simulated data within three standard errors', () => {
    const simulated = simulateCustomers(8000, TRUE, { p: 6, q: 4, v: 15 }, { seed: 20261201, minDays: 180, maxDays: 540 });
    const fit = fitBgNbd(simulated.map((c) => ({ x: c.repeatDays.length, tx: c.repeatDays[c.repeatDays.length - 1] ?? 0, T: c.observedDays })));
    expect(fit.diagnostics).toMatchObject({ converged: true, customers: 8000, atBounds: [] });
    const se = fit.diagnostics.standardErrors;
    expect(se).not.toBeNull();
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit.parameters[name] - TRUE[name])).toBeLessThan(3 * (se as Record<string, number>)[name]);
      // And the standard errors are informative (a quarter of the value at most at this size).
      expect((se as Record<string, number>)[name]).toBeLessThan(0.25 * TRUE[name]);
    }
  });

  it('predicts what simulation shows: purchases of new customers, and of those seen with a given history', () => {
    // New customers: the mean of simulated purchase counts in 365 days against E[X(365)].
    const horizon = 365;
    const fresh = simulateCustomers(40_000, TRUE, { p: 6, q: 4, v: 15 }, { seed: 7, minDays: horizon, maxDays: horizon });
    const mean = fresh.reduce((sum, c) => sum + c.repeatDays.length, 0) / fresh.length;
    const expected = expectedPurchasesOfNewCustomer(TRUE, horizon);
    expect(Math.abs(mean - expected)).toBeLessThan(0.03 * expected);

    // Conditional: customers observed 200 days whose history was x = 1 (any t_x); their purchases in
    // the next 180 days, against the mean of the model's conditional expectation over the same customers.
    const observed = simulateCustomers(60_000, TRUE, { p: 6, q: 4, v: 15 }, { seed: 11, minDays: 200, maxDays: 200, horizonDays: 180 });
    const cohort = observed
      .map((c) => ({ past: c.repeatDays.filter((t) => t <= 200), future: c.repeatDays.filter((t) => t > 200).length }))
      .filter((c) => c.past.length === 1);
    const actual = cohort.reduce((sum, c) => sum + c.future, 0) / cohort.length;
    const predicted = cohort.reduce((sum, c) => sum + expectedPurchases(TRUE, { x: 1, tx: c.past[0], T: 200 }, 180), 0) / cohort.length;
    expect(cohort.length).toBeGreaterThan(3000);
    expect(Math.abs(actual - predicted)).toBeLessThan(0.06 * predicted);
    // And the share that bought nothing in those 180 days against P(no purchase).
    const silent = cohort.filter((c) => c.future === 0).length / cohort.length;
    const predictedSilent = cohort.reduce((sum, c) => sum + probabilityNoPurchase(TRUE, { x: 1, tx: c.past[0], T: 200 }, 180), 0) / cohort.length;
    expect(Math.abs(silent - predictedSilent)).toBeLessThan(0.02);
  });

  it('gives P(alive) = 1 without a repeat purchase, falling with the time since the last one', () => {
    expect(probabilityAlive(TRUE, { x: 0, tx: 0, T: 300 })).toBe(1);
    const byRecency = [300, 250, 150, 50, 10].map((tx) => probabilityAlive(TRUE, { x: 3, tx, T: 300 }));
    for (let i = 1; i < byRecency.length; i++) expect(byRecency[i]).toBeLessThan(byRecency[i - 1]);
    // Issue 12: 56 purchase days in five weeks, then nothing for a year: gone, and no future purchases.
    const burst = { x: 55, tx: 35, T: 400 };
    expect(probabilityAlive(TRUE, burst)).toBeLessThan(1e-6);
    expect(expectedPurchases(TRUE, burst, 365)).toBeLessThan(1e-4);
  });

  it("evaluates FHL's eq. 10 through Euler's transformation without changing its value", () => {
    const { r, alpha, a, b } = TRUE;
    // The formula as published: ₂F₁(r+x, b+x; a+b+x−1; z) grows like (1 − z)^−(r+x), still finite here.
    const direct = (x: number, tx: number, T: number, t: number) => {
      const z = t / (alpha + T + t);
      const f = ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z);
      const alive = x > 0 ? 1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 1;
      return (((a + b + x - 1) / (a - 1)) * (1 - f)) / alive;
    };
    for (const [x, tx, T, t] of [[0, 0, 100, 30], [3, 80, 100, 365], [60, 350, 400, 90], [300, 399, 400, 365]]) {
      const value = expectedPurchases(TRUE, { x, tx, T }, t);
      expect(Math.abs(value - direct(x, tx, T, t))).toBeLessThan(1e-9 * Math.max(1, value));
    }
  });
});
