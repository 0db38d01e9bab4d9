// Special functions the buy-till-you-die models need, in log space where magnitudes explode
// (Γ(r + x) for a customer with hundreds of purchase days overflows long before its ratio does).
// ln Γ comes from stdlib (a port of FreeBSD's lgamma); the hypergeometric series is specific to
// BG/NBD and evaluated in the form that stays small (see hyp2f1).
import gammaln from '@stdlib/math-base-special-gammaln';

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  return gammaln(x);
}

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

const MAX_SERIES_TERMS = 200_000;

/**
 * Gauss's hypergeometric series ₂F₁(a, b; c; z) for 0 ≤ z < 1, summed until a term no longer
 * changes the sum. c may be negative (BG/NBD's a + b + x − 1 is, for a customer without a repeat
 * purchase when the fitted a + b < 1), but not zero or a negative integer, where the series has a
 * pole. Callers pass parameters where the terms stay small (the BG/NBD code uses Euler's
 * transformation so that c grows with the purchase count instead of a and b). NaN when the sum
 * overflows or does not converge within MAX_SERIES_TERMS terms: the caller computes another way.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1 needs 0 <= z < 1, got ${z}`);
  if (!Number.isFinite(c) || (c <= 0 && Number.isInteger(c))) throw new RangeError(`hyp2f1 needs c other than 0 or a negative integer, got ${c}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < MAX_SERIES_TERMS; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (term === 0 || Math.abs(term) <= 1e-16 * Math.abs(sum)) return sum;
    if (!Number.isFinite(sum)) return NaN;
  }
  // Not converged within the terms allowed (z near 1 with large parameters): no value rather than a partial sum.
  return NaN;
}
