// The model against its reference: BG/NBD fitted on the CDNOW sample with the 39-week calibration
// period reproduces Fader, Hardie & Lee's published parameters (α in weeks), through Chronicle's own
// definitions (purchase days, recency from first to last purchase, T to the observation day). The
// data come from the `lifetimes` wheel on PyPI (test/datasets/fetch-cdnow.sh); without it this fails.
import { CDNOW_CALIBRATION_END, CDNOW_REGISTERED_AT, CDNOW_PUBLISHED_BG_NBD, cdnowHistories, loadCdnowSample } from '../testing/cdnow';
import { populationMemberOf } from './customer-analysis';
import { buildPopulationSnapshot, type PopulationMember } from './population-snapshot';

/** Agrees to two significant digits: off by less than half a unit of the published value's second digit. */
function twoSignificantDigits(value: number, published: number): boolean {
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(published))) - 1);
  return Math.abs(value - published) < unit / 2;
}

describe('BG/NBD and Gamma-Gamma on the CDNOW sample', () => {
  const asOf = new Date(CDNOW_CALIBRATION_END);
  const histories = cdnowHistories(loadCdnowSample());
  const members = [...histories.values()].map((h) => populationMemberOf({ history: h, profilingConsent: true, registeredAt: CDNOW_REGISTERED_AT }, asOf, 'USD')).filter((m): m is PopulationMember => m !== null);
  const snapshot = buildPopulationSnapshot(members, { asOf, computedAt: asOf, currency: 'USD' });

  it('has the 2,357 customers of the sample, every one a buyer in the calibration period', () => {
    expect(histories.size).toBe(2357);
    expect(snapshot.buyers).toBe(2357);
  });

  it('reproduces the published BG/NBD parameters to two significant digits (39-week calibration, α in weeks)', () => {
    const fit = snapshot.bgNbd;
    expect(fit?.diagnostics).toMatchObject({ converged: true, customers: 2357, atBounds: [] });
    const p = fit?.parameters as NonNullable<typeof fit>['parameters'];
    const estimate = { r: p.r, alphaWeeks: p.alpha / 7, a: p.a, b: p.b };
    for (const name of ['r', 'alphaWeeks', 'a', 'b'] as const) {
      expect({ name, value: estimate[name], ok: twoSignificantDigits(estimate[name], CDNOW_PUBLISHED_BG_NBD[name]) }).toEqual({ name, value: estimate[name], ok: true });
    }
  });

  it('fits Gamma-Gamma on the mean repeat spend as lifetimes documents it (p 6.25, q 3.74, v 15.44 dollars)', () => {
    const gg = snapshot.gammaGamma?.parameters as NonNullable<typeof snapshot.gammaGamma>['parameters'];
    expect(snapshot.gammaGamma?.diagnostics.customers).toBe(946);
    expect(twoSignificantDigits(gg.p, 6.25)).toBe(true);
    expect(twoSignificantDigits(gg.q, 3.74)).toBe(true);
    expect(twoSignificantDigits(gg.v / 100, 15.44)).toBe(true);
  });
});
