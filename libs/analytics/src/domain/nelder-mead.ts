// A bounded Nelder–Mead minimiser (the method the `lifetimes` package fits BG/NBD with, on log
// parameters), with restarts from the best vertex so a collapsed simplex cannot stop it early, and
// the numerical Hessian at the optimum for standard errors. No well-kept JavaScript optimiser with
// bounds exists (the npm ones are unmaintained since 2012–2016), so this small one is ours.

export interface Bounds {
  readonly lower: readonly number[];
  readonly upper: readonly number[];
}

export interface MinimiseOptions {
  readonly bounds: Bounds;
  /** Initial simplex edge in each coordinate (default 0.5). */
  readonly step?: number;
  /** Stop when the simplex's function values differ by less than this, relative to |f| (default 1e-12). */
  readonly relativeTolerance?: number;
  /** And its vertices by less than this in every coordinate (default 1e-8). */
  readonly pointTolerance?: number;
  /** Most iterations over all restarts (default 10,000). */
  readonly maxIterations?: number;
  /** Restarts from the best vertex after convergence (default 3; stops early when one gains nothing). */
  readonly restarts?: number;
}

export interface MinimiseResult {
  readonly point: number[];
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  /** Tolerances met, and the last restart found nothing better. */
  readonly converged: boolean;
}

function clamp(point: number[], bounds: Bounds): number[] {
  return point.map((v, i) => Math.min(bounds.upper[i], Math.max(bounds.lower[i], v)));
}

/** Minimises f over the box; non-finite values count as +Infinity (a point the model cannot take). */
export function minimise(f: (point: readonly number[]) => number, start: readonly number[], options: MinimiseOptions): MinimiseResult {
  const n = start.length;
  const step = options.step ?? 0.5;
  const relTol = options.relativeTolerance ?? 1e-12;
  const ptTol = options.pointTolerance ?? 1e-8;
  const maxIterations = options.maxIterations ?? 10_000;
  const restarts = options.restarts ?? 3;
  let evaluations = 0;
  const value = (p: number[]) => {
    evaluations++;
    const v = f(p);
    return Number.isFinite(v) ? v : Infinity;
  };
  let iterations = 0;
  let best = clamp([...start], options.bounds);
  let bestValue = value(best);
  let converged = false;

  for (let round = 0; round <= restarts && iterations < maxIterations; round++) {
    // A simplex around the best point; a vertex pushed out of the box steps the other way.
    const simplex: number[][] = [best];
    for (let i = 0; i < n; i++) {
      const vertex = [...best];
      vertex[i] = vertex[i] + step <= options.bounds.upper[i] ? vertex[i] + step : vertex[i] - step;
      simplex.push(clamp(vertex, options.bounds));
    }
    const values = simplex.map((p, i) => (i === 0 ? bestValue : value(p)));
    let roundConverged = false;
    while (iterations < maxIterations) {
      iterations++;
      const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
      const sortedPoints = order.map((i) => simplex[i]);
      const sortedValues = order.map((i) => values[i]);
      for (let i = 0; i <= n; i++) {
        simplex[i] = sortedPoints[i];
        values[i] = sortedValues[i];
      }
      const spreadF = Math.abs(values[n] - values[0]);
      let spreadX = 0;
      for (let i = 1; i <= n; i++) for (let j = 0; j < n; j++) spreadX = Math.max(spreadX, Math.abs(simplex[i][j] - simplex[0][j]));
      if (Number.isFinite(values[0]) && spreadF <= relTol * Math.max(1, Math.abs(values[0])) && spreadX <= ptTol) {
        roundConverged = true;
        break;
      }
      const centroid = new Array<number>(n).fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
      const along = (t: number) => clamp(centroid.map((c, j) => c + t * (simplex[n][j] - c)), options.bounds);
      const reflected = along(-1);
      const fr = value(reflected);
      if (fr < values[0]) {
        const expanded = along(-2);
        const fe = value(expanded);
        if (fe < fr) {
          simplex[n] = expanded;
          values[n] = fe;
        } else {
          simplex[n] = reflected;
          values[n] = fr;
        }
        continue;
      }
      if (fr < values[n - 1]) {
        simplex[n] = reflected;
        values[n] = fr;
        continue;
      }
      const contracted = fr < values[n] ? along(-0.5) : along(0.5);
      const fc = value(contracted);
      if (fc < Math.min(fr, values[n])) {
        simplex[n] = contracted;
        values[n] = fc;
        continue;
      }
      // Shrink towards the best vertex.
      for (let i = 1; i <= n; i++) {
        simplex[i] = clamp(simplex[i].map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j])), options.bounds);
        values[i] = value(simplex[i]);
      }
    }
    const bestIndex = values.indexOf(Math.min(...values));
    const gained = bestValue - values[bestIndex];
    if (values[bestIndex] <= bestValue) {
      best = simplex[bestIndex];
      bestValue = values[bestIndex];
    }
    converged = roundConverged;
    // A restart that found nothing measurable confirms the optimum.
    if (round > 0 && roundConverged && gained <= relTol * Math.max(1, Math.abs(bestValue)) * 10) break;
  }
  return { point: best, value: bestValue, iterations, evaluations, converged };
}

/** Central-difference Hessian of f at `point` (step h in every coordinate). */
export function numericalHessian(f: (point: readonly number[]) => number, point: readonly number[], h = 1e-4): number[][] {
  const n = point.length;
  const at = (di: number, si: number, dj: number, sj: number) => {
    const p = [...point];
    p[di] += si * h;
    p[dj] += sj * h;
    return f(p);
  };
  const f0 = f(point);
  const hessian: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    hessian[i][i] = (at(i, 1, i, 1) - 2 * f0 + at(i, -1, i, -1)) / (4 * h * h);
    for (let j = i + 1; j < n; j++) {
      const v = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h * h);
      hessian[i][j] = v;
      hessian[j][i] = v;
    }
  }
  return hessian;
}

/** Inverse of a symmetric positive-definite matrix (Cholesky), or null when it is not one. */
export function inverseSpd(matrix: readonly (readonly number[])[]): number[][] | null {
  const n = matrix.length;
  const l: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return null;
        l[i][i] = Math.sqrt(sum);
      } else {
        l[i][j] = sum / l[j][j];
      }
    }
  }
  // inv(A) = inv(L)ᵀ inv(L)
  const li: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    li[i][i] = 1 / l[i][i];
    for (let j = i + 1; j < n; j++) {
      let sum = 0;
      for (let k = i; k < j; k++) sum -= l[j][k] * li[k][i];
      li[j][i] = sum / l[j][j];
    }
  }
  const inverse: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = Math.max(i, j); k < n; k++) sum += li[k][i] * li[k][j];
      inverse[i][j] = sum;
    }
  }
  return inverse;
}
