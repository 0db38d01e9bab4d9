// What every maximum-likelihood fit reports beside its parameters.
export interface FitDiagnostics<P extends string> {
  /** Log-likelihood at the estimate, summed over the customers fitted. */
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly evaluations: number;
  /** The optimiser met its tolerances and a restart from the estimate found nothing better. */
  readonly converged: boolean;
  /** Customers the fit used. */
  readonly customers: number;
  /** From the inverse numerical Hessian (delta method on log parameters); null when it is not positive definite. */
  readonly standardErrors: Readonly<Record<P, number>> | null;
  /** Parameters that ended on a bound of the search box (a sign the data cannot pin them down). */
  readonly atBounds: readonly P[];
}

export interface ModelFit<P extends string> {
  readonly parameters: Readonly<Record<P, number>>;
  readonly diagnostics: FitDiagnostics<P>;
}

/** Search box of every log parameter: e^±12 spans 6e-6 to 1.6e5, far beyond any sensible estimate. */
export const LOG_PARAMETER_BOUND = 12;

/**
 * The log parameters pinned at the edge of the search box: within 1e-4 of it (a parameter within
 * 0.01% of e^±12). The search stops when its simplex is small, not on the edge itself: a fit found
 * from outside ended 2.2e-8 inside it and was not reported, with a tolerance of 1e-9.
 */
export function atSearchBounds<P extends string>(names: readonly P[], logPoint: readonly number[]): P[] {
  return names.filter((_, i) => LOG_PARAMETER_BOUND - Math.abs(logPoint[i]) < 1e-4);
}
