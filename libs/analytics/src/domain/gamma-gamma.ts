// The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999): each
// purchase's value is Gamma(p, ν) with ν ~ Gamma(q, v) per customer, independent of how often the
// customer buys. Fitted on customers with at least one repeat purchase day of positive spend (their
// count x and mean spend m); q > 1 gives a finite population mean p·v/(q − 1).
import { logGamma } from './special-functions';
import { inverseSpd, minimise, numericalHessian } from './nelder-mead';
import { atSearchBounds, LOG_PARAMETER_BOUND, type ModelFit } from './model-fit';

export interface GammaGammaParameters {
  readonly p: number;
  readonly q: number;
  /** In the money unit of the spends fitted (minor units of the reporting currency). */
  readonly v: number;
}

export type GammaGammaParameterName = keyof GammaGammaParameters;
export type GammaGammaFit = ModelFit<GammaGammaParameterName>;

export interface SpendCustomer {
  /** Repeat purchase days with spend. */
  readonly x: number;
  /** Mean spend of those days, > 0. */
  readonly m: number;
}

const NAMES: readonly GammaGammaParameterName[] = ['p', 'q', 'v'];

export function gammaGammaLogLikelihood({ p, q, v }: GammaGammaParameters, customers: readonly SpendCustomer[]): number {
  if (!(p > 0 && q > 0 && v > 0)) return -Infinity;
  const lgQ = logGamma(q);
  const qLogV = q * Math.log(v);
  const byX = new Map<number, number>();
  let total = 0;
  for (const { x, m } of customers) {
    let lg = byX.get(x);
    if (lg === undefined) {
      lg = logGamma(p * x + q) - logGamma(p * x) + p * x * Math.log(x);
      byX.set(x, lg);
    }
    total += lg - lgQ + qLogV + (p * x - 1) * Math.log(m) - (p * x + q) * Math.log(x * m + v);
  }
  return total;
}

/** Maximum-likelihood fit; spends are scaled by their mean during the search (v scales back). */
export function fitGammaGamma(customers: readonly SpendCustomer[]): GammaGammaFit {
  const usable = customers.filter((c) => c.x > 0 && c.m > 0);
  if (usable.length === 0) throw new RangeError('Gamma-Gamma needs at least one customer with repeat spend');
  const scale = usable.reduce((sum, c) => sum + c.m, 0) / usable.length;
  const scaled = usable.map((c) => ({ x: c.x, m: c.m / scale }));
  const fromLog = (v: readonly number[]): GammaGammaParameters => ({ p: Math.exp(v[0]), q: Math.exp(v[1]), v: Math.exp(v[2]) });
  const objective = (v: readonly number[]) => -gammaGammaLogLikelihood(fromLog(v), scaled);
  const bound = NAMES.map(() => LOG_PARAMETER_BOUND);
  const result = minimise(objective, [0, 0, 0], { bounds: { lower: bound.map((b) => -b), upper: bound } });
  const estimate = fromLog(result.point);
  const parameters: GammaGammaParameters = { ...estimate, v: estimate.v * scale };
  const covariance = inverseSpd(numericalHessian(objective, result.point));
  const standardErrors = covariance
    ? (Object.fromEntries(NAMES.map((name, i) => [name, parameters[name] * Math.sqrt(covariance[i][i])])) as Record<GammaGammaParameterName, number>)
    : null;
  // The log-likelihood in the spends' own unit: scaling m by s shifts it by −Σ log s per customer.
  const logLikelihood = -result.value - usable.length * Math.log(scale);
  return {
    parameters,
    diagnostics: {
      logLikelihood,
      iterations: result.iterations,
      evaluations: result.evaluations,
      converged: result.converged,
      customers: usable.length,
      standardErrors,
      atBounds: atSearchBounds(NAMES, result.point),
    },
  };
}

/**
 * E[spend per purchase | x, m] = p(v + x·m)/(p·x + q − 1): the customer's own mean, shrunk towards
 * the population mean p·v/(q − 1). Null where that mean does not exist (q ≤ 1 and x = 0).
 */
export function expectedSpend({ p, q, v }: GammaGammaParameters, x: number, m: number): number | null {
  const denominator = p * x + q - 1;
  if (!(denominator > 0)) return null;
  return (p * (v + x * m)) / denominator;
}
