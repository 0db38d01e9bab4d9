// Seeded simulation of customers from BG/NBD and Gamma-Gamma with known parameters, for the
// parameter-recovery test and the benchmark. Samplers: Marsaglia–Tsang for gamma, two gammas for
// beta, inverse CDF for exponential waits; mulberry32 for uniforms, so a seed gives the same data.
import type { BgNbdParameters } from '../domain/bg-nbd';
import type { GammaGammaParameters } from '../domain/gamma-gamma';

export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(uniform: () => number): number {
  const u = 1 - uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
}

/** Gamma(shape, rate). */
export function gammaSample(uniform: () => number, shape: number, rate: number): number {
  if (shape < 1) return gammaSample(uniform, shape + 1, rate) * Math.pow(uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(uniform);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = uniform();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return (d * v) / rate;
  }
}

function betaSample(uniform: () => number, a: number, b: number): number {
  const x = gammaSample(uniform, a, 1);
  return x / (x + gammaSample(uniform, b, 1));
}

export interface SimulatedCustomer {
  /** Days from the first purchase to each repeat purchase, ascending (the first purchase is day 0). */
  readonly repeatDays: readonly number[];
  /** Days observed after the first purchase (T). */
  readonly observedDays: number;
  /** Value of the first purchase and of each repeat purchase, same order. */
  readonly values: readonly number[];
}

/**
 * Customers whose first purchase lies `observedDays` before the end of observation (drawn uniformly
 * from `minDays`..`maxDays`), with continuous purchase times: repeat purchases at rate λ until a
 * dropout after one of them (lifetimes' generator does the same).
 */
export function simulateCustomers(
  count: number,
  bgNbd: BgNbdParameters,
  gammaGamma: GammaGammaParameters,
  options: { seed: number; minDays: number; maxDays: number; horizonDays?: number },
): SimulatedCustomer[] {
  const uniform = seededUniform(options.seed);
  const customers: SimulatedCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const observedDays = options.minDays + uniform() * (options.maxDays - options.minDays);
    const end = observedDays + (options.horizonDays ?? 0);
    const lambda = gammaSample(uniform, bgNbd.r, bgNbd.alpha);
    const p = betaSample(uniform, bgNbd.a, bgNbd.b);
    const nu = gammaSample(uniform, gammaGamma.q, gammaGamma.v);
    const value = () => gammaSample(uniform, gammaGamma.p, nu);
    const repeatDays: number[] = [];
    const values = [value()];
    let t = 0;
    for (;;) {
      t += -Math.log(1 - uniform()) / lambda;
      if (t > end) break;
      repeatDays.push(t);
      values.push(value());
      if (uniform() < p) break;
    }
    customers.push({ repeatDays, observedDays, values });
  }
  return customers;
}
