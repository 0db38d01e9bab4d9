// The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive
// a customer makes repeat purchases at a Poisson rate λ ~ Gamma(r, α), and after each repeat
// purchase drops out with probability p ~ Beta(a, b). Per customer it needs x (repeat purchases),
// t_x (time of the last purchase after the first) and T (time from the first purchase to the
// observation date). Chronicle counts time in days and purchases in purchase days (see
// purchase-history.ts), so α is in days here. Fitted by maximum likelihood with Nelder–Mead on the
// log parameters, time scaled so the longest T is 10 (as `lifetimes` does, for conditioning).
import { hyp2f1, logAddExp, logGamma } from './special-functions';
import { inverseSpd, minimise, numericalHessian } from './nelder-mead';
import { atSearchBounds, LOG_PARAMETER_BOUND, type ModelFit } from './model-fit';

export interface BgNbdParameters {
  readonly r: number;
  /** Scale of the purchase rate's gamma distribution, in days. */
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

export type BgNbdParameterName = keyof BgNbdParameters;
export type BgNbdFit = ModelFit<BgNbdParameterName>;

/** One customer's summary: repeat purchases and times in days. */
export interface BgNbdCustomer {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
}

const NAMES: readonly BgNbdParameterName[] = ['r', 'alpha', 'a', 'b'];

/** Identical summaries fitted once with a weight: many customers share (x, t_x, T). */
function grouped(customers: readonly BgNbdCustomer[], scale: number) {
  const groups = new Map<string, { c: BgNbdCustomer; n: number }>();
  for (const c of customers) {
    const key = `${c.x}|${c.tx}|${c.T}`;
    const group = groups.get(key);
    if (group) group.n++;
    else groups.set(key, { c, n: 1 });
  }
  const size = groups.size;
  const x = new Float64Array(size);
  const tx = new Float64Array(size);
  const T = new Float64Array(size);
  const weight = new Float64Array(size);
  const xIndex = new Int32Array(size);
  const distinctX: number[] = [];
  const indexOfX = new Map<number, number>();
  let i = 0;
  for (const { c, n } of groups.values()) {
    x[i] = c.x;
    tx[i] = c.tx * scale;
    T[i] = c.T * scale;
    weight[i] = n;
    let index = indexOfX.get(c.x);
    if (index === undefined) {
      index = distinctX.length;
      distinctX.push(c.x);
      indexOfX.set(c.x, index);
    }
    xIndex[i] = index;
    i++;
  }
  return { x, tx, T, weight, xIndex, distinctX, size };
}

/** Sum of the log-likelihood over the customers, parameters as given (time in the customers' unit). */
export function bgNbdLogLikelihood(p: BgNbdParameters, customers: readonly BgNbdCustomer[]): number {
  return logLikelihoodOf(grouped(customers, 1), p);
}

function logLikelihoodOf(data: ReturnType<typeof grouped>, { r, alpha, a, b }: BgNbdParameters): number {
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return -Infinity;
  const lgR = logGamma(r);
  const lgAB = logGamma(a + b);
  const lgB = logGamma(b);
  const logA = Math.log(a);
  const rLogAlpha = r * Math.log(alpha);
  // Terms that depend on x only, once per distinct x.
  const byX = data.distinctX.map((x) => ({
    base: logGamma(r + x) - lgR + rLogAlpha + lgAB + logGamma(b + x) - lgB - logGamma(a + b + x),
    dropout: x > 0 ? logA - Math.log(b + x - 1) : -Infinity,
  }));
  let total = 0;
  for (let i = 0; i < data.size; i++) {
    const x = data.x[i];
    const { base, dropout } = byX[data.xIndex[i]];
    const stillAlive = -(r + x) * Math.log(alpha + data.T[i]);
    const ll = x > 0 ? base + logAddExp(stillAlive, dropout - (r + x) * Math.log(alpha + data.tx[i])) : base + stillAlive;
    total += data.weight[i] * ll;
  }
  return total;
}

/** Maximum-likelihood fit; throws when there is nobody to fit. */
export function fitBgNbd(customers: readonly BgNbdCustomer[]): BgNbdFit {
  if (customers.length === 0) throw new RangeError('BG/NBD needs at least one customer');
  const maxT = customers.reduce((max, c) => Math.max(max, c.T), 0);
  const scale = maxT > 0 ? 10 / maxT : 1;
  const data = grouped(customers, scale);
  const fromLog = (v: readonly number[]): BgNbdParameters => ({ r: Math.exp(v[0]), alpha: Math.exp(v[1]), a: Math.exp(v[2]), b: Math.exp(v[3]) });
  const objective = (v: readonly number[]) => -logLikelihoodOf(data, fromLog(v));
  const bound = NAMES.map(() => LOG_PARAMETER_BOUND);
  const result = minimise(objective, [0, 0, 0, 0], { bounds: { lower: bound.map((b) => -b), upper: bound } });
  const scaled = fromLog(result.point);
  const parameters: BgNbdParameters = { ...scaled, alpha: scaled.alpha / scale };
  const covariance = inverseSpd(numericalHessian(objective, result.point));
  const standardErrors = covariance && covariance.every((row, i) => row[i] >= 0)
    ? (Object.fromEntries(NAMES.map((name, i) => [name, parameters[name] * Math.sqrt(covariance[i][i])])) as Record<BgNbdParameterName, number>)
    : null;
  return {
    parameters,
    diagnostics: {
      logLikelihood: -result.value,
      iterations: result.iterations,
      evaluations: result.evaluations,
      converged: result.converged,
      customers: customers.length,
      standardErrors,
      atBounds: atSearchBounds(NAMES, result.point),
    },
  };
}

function logOddsDead({ a, b, r, alpha }: BgNbdParameters, { x, tx, T }: BgNbdCustomer): number {
  return Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
}

/** P(alive at T | x, t_x, T): 1 without a repeat purchase (dropout only follows a purchase). */
export function probabilityAlive(p: BgNbdParameters, c: BgNbdCustomer): number {
  if (c.x === 0) return 1;
  const logOdds = logOddsDead(p, c);
  return logOdds > 700 ? 0 : 1 / (1 + Math.exp(logOdds));
}

/** a slightly off 1, where (a + b + x − 1)/(a − 1) has a removable singularity. */
function awayFromOne(a: number): number {
  return Math.abs(a - 1) < 1e-8 ? 1 + 1e-8 : a;
}

/**
 * E[purchases in (T, T + t] | x, t_x, T] (FHL 2005, eq. 10). The factor ((α+T)/(α+T+t))^(r+x) ·
 * ₂F₁(r+x, b+x; a+b+x−1; z) is evaluated as (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z) (Euler's
 * transformation), which stays near 1 however many purchases the customer made.
 */
export function expectedPurchases(p: BgNbdParameters, c: BgNbdCustomer, t: number): number {
  if (t <= 0) return 0;
  const a = awayFromOne(p.a);
  const { b, r, alpha } = p;
  const z = t / (alpha + c.T + t);
  const transformed = Math.pow(1 - z, a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + c.x - 1, z);
  const unconditional = ((a + b + c.x - 1) / (a - 1)) * (1 - transformed);
  const denominator = c.x > 0 ? 1 + Math.exp(logOddsDead({ ...p, a }, c)) : 1;
  const value = unconditional / denominator;
  // An alive customer buys at most at their mean posterior rate: (r + x)·t/(α + T) bounds the answer.
  const bound = ((r + c.x) * t) / (alpha + c.T);
  if (Number.isFinite(value) && value >= -1e-12 * bound && value <= bound * (1 + 1e-9)) return Math.min(bound, Math.max(0, value));
  // The series overflowed or did not converge (a large a with t long against α + T): the same
  // expectation by quadrature over the dropout probability.
  return Math.min(bound, Math.max(0, probabilityAlive(p, c) * meanPurchasesOverDropout(p.a, b + c.x, r + c.x, alpha + c.T, t)));
}

const QUADRATURE_STEP = 1 / 128;
const QUADRATURE_REACH = 6;

/**
 * The mean over p ~ Beta(a, b′) of g(p) = (1/p)(1 − (β/(β + pt))^s): an alive customer's expected
 * purchases in t with dropout probability p, their rate λ ~ Gamma(s, β) integrated out. g is
 * written as g(0) + (g(1) − g(0))·p + a remainder that vanishes at both ends: the first two terms
 * integrate exactly (E[p] = a/(a + b′)), and the remainder, by tanh-sinh quadrature, has no
 * singularity at either end however small a or b′ are (the Beta density's mass piles up there).
 */
function meanPurchasesOverDropout(a: number, b: number, s: number, beta: number, t: number): number {
  const g = (q: number) => -Math.expm1(-s * Math.log1p((q * t) / beta)) / q;
  const g0 = (s * t) / beta;
  const g1 = g(1);
  const logB = logGamma(a) + logGamma(b) - logGamma(a + b);
  let remainder = 0;
  for (let k = -QUADRATURE_REACH / QUADRATURE_STEP; k <= QUADRATURE_REACH / QUADRATURE_STEP; k++) {
    const u = k * QUADRATURE_STEP;
    const w = Math.PI * Math.sinh(u);
    const q = 1 / (1 + Math.exp(-w));
    const q1 = 1 / (1 + Math.exp(w));
    if (q === 0 || q1 === 0) continue;
    // The Beta density times dq/du = q^a (1 − q)^b · π cosh u / B(a, b).
    const weight = Math.exp(a * Math.log(q) + b * Math.log(q1) - logB) * Math.PI * Math.cosh(u) * QUADRATURE_STEP;
    remainder += weight * (g(q) - g0 - (g1 - g0) * q);
  }
  return g0 + (g1 - g0) * (a / (a + b)) + remainder;
}

/** E[purchases in (0, t]] of a customer just acquired (FHL 2005, eq. 7): the model's population view. */
export function expectedPurchasesOfNewCustomer(p: BgNbdParameters, t: number): number {
  return expectedPurchases(p, { x: 0, tx: 0, T: 0 }, t);
}

/**
 * P(no purchase in (T, T + t] | x, t_x, T). Dead customers never buy; an alive one does not in t
 * with probability E[e^(−λt)] under λ's posterior Gamma(r + x, α + T) (dropout only follows a purchase).
 */
export function probabilityNoPurchase(p: BgNbdParameters, c: BgNbdCustomer, t: number): number {
  const alive = probabilityAlive(p, c);
  const silentIfAlive = Math.exp((p.r + c.x) * (Math.log(p.alpha + c.T) - Math.log(p.alpha + c.T + t)));
  return 1 - alive * (1 - silentIfAlive);
}
